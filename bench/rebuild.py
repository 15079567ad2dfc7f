"""Benchmark 4: every total rebuilt from the log by `rekap rebuild` (time, peak RSS), and its baseline: one
GROUP BY ROLLUP over the accepted results that sums every tier in SQL."""

from __future__ import annotations

import os
import subprocess
import sys
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
    """A `rekap` command in its own process; its wall time and peak RSS (from wait4, this child only)."""
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
    assert proc.stdout is not None
    output = proc.stdout.read().decode(errors="replace")
    _, status, usage = os.wait4(proc.pid, 0)
    took = time.monotonic() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Ran(took, usage.ru_maxrss / 1024, proc.returncode, output)


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
