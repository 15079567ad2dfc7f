"""Benchmark 4: every total rebuilt from the log by `rekap rebuild` (time, peak RSS), and its baseline: one
GROUP BY ROLLUP over the accepted results that sums every tier in SQL."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

from bench.server import REPO


@dataclass(frozen=True)
class Ran:
    seconds: float
    peak_rss_mb: float
    returncode: int
    output: str


def run_rekap(args: list[str], db_url: str, data_dir: Path) -> Ran:
    """A `rekap` command in its own process; its wall time and peak RSS.

    The peak is the process's own VmHWM, read while it runs: wait4's ru_maxrss would also count what this
    benchmark process (which holds a whole election in memory) had when it forked the command."""
    cmd = [
        sys.executable,
        "-c",
        "from rekap.cli.main import app; app()",
        "--db",
        db_url,
        "--data-dir",
        str(data_dir),
        *args,
    ]
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    peak = [0]
    watcher = threading.Thread(target=_watch_peak, args=(proc, peak), daemon=True)
    watcher.start()
    assert proc.stdout is not None
    output = proc.stdout.read().decode(errors="replace")
    proc.wait()
    took = time.monotonic() - t0
    watcher.join(5)
    return Ran(took, peak[0] / 1024, proc.returncode, output)


def _watch_peak(proc: subprocess.Popen[bytes], peak: list[int]) -> None:
    status = Path(f"/proc/{proc.pid}/status")
    while proc.poll() is None:
        try:
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak[0] = max(peak[0], int(line.split()[1]))
        except OSError:
            return
        time.sleep(0.1)


def plain(db_url: str) -> str:
    return db_url.replace("postgresql+psycopg://", "postgresql://")


def totals_table(db_url: str) -> list[tuple[object, ...]]:
    with psycopg.connect(plain(db_url)) as conn:
        return conn.execute("SELECT * FROM totals ORDER BY contest, region").fetchall()


def group_by_baseline(db_url: str, numbers: list[int]) -> tuple[float, int]:
    """Seconds for one GROUP BY ROLLUP (province → kab/kota → kecamatan → kelurahan) over `accepted`,
    votes per candidate included; and how many total rows it produced."""
    votes = ", ".join(f"sum((votes::jsonb ->> '{n}')::bigint)" for n in numbers)
    sql = f"""
        SELECT contest, substr(tps, 1, 2), substr(tps, 1, 5), substr(tps, 1, 8), substr(tps, 1, 13),
               count(*), sum(valid), sum(invalid), sum(voters), {votes}
        FROM accepted
        GROUP BY contest, ROLLUP (substr(tps, 1, 2), substr(tps, 1, 5), substr(tps, 1, 8), substr(tps, 1, 13))
    """
    with psycopg.connect(plain(db_url)) as conn:
        t0 = time.monotonic()
        rows = conn.execute(sql).fetchall()  # type: ignore[arg-type]
        return time.monotonic() - t0, len(rows)


def accepted_count(db_url: str) -> int:
    with psycopg.connect(plain(db_url)) as conn:
        return int(conn.execute("SELECT count(*) FROM accepted").fetchone()[0])  # type: ignore[index]
