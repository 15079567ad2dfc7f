"""`rekap gen national`: a synthetic, seeded, Indonesia-sized election written as files rekap imports."""

from __future__ import annotations

import csv
import hashlib
import json
import random
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rekap.gen.election import CONTEST_ID, ELECTION_TOML
from rekap.gen.register import TpsRow, draw_register, per_million
from rekap.gen.results import Electorate, arrival_minute, draw_result
from rekap.gen.wilayah import read_wilayah, with_ancestors, write_regions

#: (stage, done, total) as the generation goes.
Progress = Callable[[str, int, int], None]

REGIONS_FILE = "regions.csv"
TPS_FILE = "tps.csv"
ELECTION_FILE = "election.toml"
RESULTS_FILE = "results.jsonl"
MANIFEST_FILE = "manifest.json"
TPS_COLUMNS = ("kelurahan_code", "tps_number", "dpt_total", "dpt_male", "dpt_female")
STEP = 20_000


@dataclass
class Manifest:
    """What was generated, with the national sums a test or a benchmark can check the server against."""

    seed: int
    scale_per_million: int
    contest: str
    regions: int
    kelurahan: int
    tps: int
    dpt: int
    voters: int = 0
    valid: int = 0
    invalid: int = 0
    votes: dict[str, int] = field(default_factory=dict)
    sha256: dict[str, str] = field(default_factory=dict)
    synthetic: bool = True


def _noop(stage: str, done: int, total: int) -> None:
    return None


def _write_tps(rows: list[TpsRow], out: Path, progress: Progress) -> None:
    with out.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(TPS_COLUMNS)
        for i, t in enumerate(rows, start=1):
            w.writerow((t.kelurahan, t.number, t.dpt, t.dpt_male, t.dpt_female))
            if i % STEP == 0:
                progress("TPS", i, len(rows))
    progress("TPS", len(rows), len(rows))


def _write_results(rows: list[TpsRow], seed: int, out: Path, m: Manifest, progress: Progress) -> None:
    """One submission body per TPS, in the order they arrive on election night."""
    electorate = Electorate(random.Random(f"{seed}:leanings"))
    rng = random.Random(f"{seed}:results")
    lines: list[str] = []
    minutes: list[int] = []
    for i, tps in enumerate(rows, start=1):
        result = draw_result(rng, tps, electorate.leaning(tps.kelurahan[:8]))
        minutes.append(arrival_minute(rng, tps))
        body = {"tps": tps.code, "contest": CONTEST_ID, "result": result, "photos": []}
        lines.append(json.dumps(body, separators=(",", ":")))
        m.voters += result["voters"]
        m.valid += result["valid"]
        m.invalid += result["invalid"]
        for n, v in result["votes"].items():
            m.votes[n] = m.votes.get(n, 0) + v
        if i % STEP == 0:
            progress("results", i, len(rows))
    order = list(range(len(rows)))
    random.Random(f"{seed}:arrival").shuffle(order)  # ties in the same minute come in any order
    order.sort(key=minutes.__getitem__)
    with out.open("w", encoding="utf-8", newline="\n") as f:
        for i in order:
            f.write(lines[i])
            f.write("\n")
    progress("results", len(rows), len(rows))


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def generate_national(out: Path, scale: float = 1.0, seed: int = 1, progress: Progress | None = None) -> Manifest:
    """Write regions.csv, tps.csv, election.toml, results.jsonl and manifest.json to `out`; the same seed and
    scale give the same bytes."""
    report = progress or _noop
    ppm = per_million(scale)
    out.mkdir(parents=True, exist_ok=True)
    report("regions", 0, 1)
    regions = read_wilayah()
    register = draw_register(random.Random(f"{seed}:register"), [r.code for r in regions if r.level == 4], ppm)
    kelurahan = {t.kelurahan for t in register}
    n_regions = write_regions(regions, with_ancestors(kelurahan), out / REGIONS_FILE)
    report("regions", 1, 1)
    _write_tps(register, out / TPS_FILE, report)
    (out / ELECTION_FILE).write_text(ELECTION_TOML, encoding="utf-8")
    m = Manifest(seed, ppm, CONTEST_ID, n_regions, len(kelurahan), len(register), sum(t.dpt for t in register))
    _write_results(register, seed, out / RESULTS_FILE, m, report)
    m.sha256 = {name: _sha256(out / name) for name in (REGIONS_FILE, TPS_FILE, ELECTION_FILE, RESULTS_FILE)}
    (out / MANIFEST_FILE).write_text(json.dumps(asdict(m), indent=1) + "\n", encoding="utf-8")
    return m


def read_manifest(directory: Path) -> Manifest:
    return Manifest(**json.loads((directory / MANIFEST_FILE).read_text(encoding="utf-8")))
