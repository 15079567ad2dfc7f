"""The machine a run measured on, and BENCHMARKS.md: each run rewrites only its own marked section."""

from __future__ import annotations

import os
import platform
import re
import sqlite3
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from bench.pg import server_version
from bench.stats import Figure

PACKAGES = ("rekap", "fastapi", "starlette", "uvicorn", "uvloop", "httptools", "sqlalchemy", "psycopg", "pydantic")


def _first(path: str, key: str) -> str:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return line.split(":" if ":" in line else "=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return "?"


def _version(pkg: str) -> str:
    try:
        return version(pkg)
    except PackageNotFoundError:
        return "-"


def machine() -> list[str]:
    mem_kb = int(_first("/proc/meminfo", "MemTotal").split()[0])
    load1, load5, _ = os.getloadavg()
    return [
        f"- date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- CPU: {_first('/proc/cpuinfo', 'model name')}, {os.cpu_count()} cores; RAM {mem_kb / 1024 / 1024:.1f} GiB",
        f"- OS: {_first('/etc/os-release', 'PRETTY_NAME')}, kernel {platform.release()}",
        f"- Python {platform.python_version()}, PostgreSQL {server_version()}, SQLite {sqlite3.sqlite_version}",
        "- " + ", ".join(f"{p} {_version(p)}" for p in PACKAGES),
        f"- load average when the run started: {load1:.2f} (1 min), {load5:.2f} (5 min)",
    ]


def table(figures: list[Figure]) -> list[str]:
    out = ["| # | figure | value | target | baseline (same run) | ratio | met |", "|---|---|---|---|---|---|---|"]
    for i, f in enumerate(figures, start=1):
        base = f"{f.baseline_name}: {f.baseline:,.2f} {f.unit}" if f.baseline is not None else "—"
        ratio = f"{f.ratio:.2f}" + (f" (target ≥ {f.ratio_target})" if f.ratio_target else "") if f.ratio else "—"
        met = "—" if f.met is None else ("yes" if f.met else "**no**")
        out.append(f"| {i} | {f.name} | {f.value:,.2f} {f.unit} | {f.target or '—'} | {base} | {ratio} | {met} |")
    return out


def write_section(path: Path, name: str, lines: list[str]) -> None:
    """Replace the section between `<!-- bench:NAME -->` markers (appending it the first time)."""
    begin, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = "\n".join([begin, *lines, end])
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    pattern = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.S)
    text = pattern.sub(lambda _m: block, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")
