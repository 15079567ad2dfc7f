"""How long a process takes to be ready after a crash: from its start to its fold of the whole log and its read
model in memory, once from the checkpoint of the fold (and the entries after it), once from the first entry."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from bench.phases import Run, every_tps_reported
from bench.stats import Figure

REPO = Path(__file__).resolve().parents[1]

# what Rekap.start does before the first request, in a process of its own (imports included)
_READY = """
import sys, time
from rekap.bootstrap import Rekap
from rekap.log.heap import settle_heap
from rekap.settings import Settings
r = Rekap.open(Settings.from_env(db=sys.argv[1], data_dir=sys.argv[2]), create=False)
t = time.monotonic()
r.writer.state; r.read_model.structure
settle_heap()
took = time.monotonic() - t
if sys.argv[3] == "write":
    assert r.checkpoint()
print(r.writer.started_from, r.writer.state.seq, took)
"""


def _ready(db_url: str, data_dir: Path, checkpoints: bool, then: str = "") -> tuple[float, int, int, float]:
    env = os.environ | {"REKAP_CHECKPOINT_SECONDS": "3600" if checkpoints else "0"}
    t0 = time.monotonic()
    out = subprocess.run(
        [sys.executable, "-c", _READY, db_url, str(data_dir), then], cwd=REPO, env=env, capture_output=True, text=True
    )
    took = time.monotonic() - t0
    if out.returncode != 0:
        raise SystemExit(f"restart failed:\n{out.stderr[-3000:]}")
    started_from, seq, fold = out.stdout.split()
    return took, int(started_from), int(seq), float(fold)


def restart_phase(run: Run, db_url: str, data_dir: Path) -> None:
    every_tps_reported(run, db_url, data_dir)  # a whole count's log, as on the night after (nothing, after rebuild)
    _ready(db_url, data_dir, True, "write")  # the checkpoint a running server would have left
    cold, _, seq, cold_fold = _ready(db_url, data_dir, False)
    warm, started_from, _, warm_fold = _ready(db_url, data_dir, True)
    if started_from != seq:
        raise SystemExit(f"the restart did not start from the checkpoint ({started_from} of {seq})")
    run.add(
        Figure(
            f"restart: ready to serve after a crash ({seq:,} log entries)",
            warm,
            "s",
            f"a new process (imports included) loads the checkpoint at entry {started_from:,} and builds its read "
            f"model: {warm_fold:.2f} s of it (folding the whole log instead: {cold_fold:.2f} s)",
            target="≤ 5 s at 823k TPS",
            met=warm <= 5 if run.manifest.tps >= 823_000 else None,
            baseline=cold,
            baseline_name="the same process folding the whole log",
        )
    )
    run.say(f"restart from the checkpoint {warm:.2f} s, folding the whole log {cold:.2f} s")
