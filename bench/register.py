"""Benchmark: importing a voter register (DPT) of N fictional voters spread over DKI Jakarta's TPS, on SQLite and on
PostgreSQL, with `rekap import register` in a process of its own (its wall time and peak RSS, progress bar and
all), then the same file again. Baseline in the same run: reading the file and computing every NIK's HMAC alone,
the per-row work no import can skip.

    nice -n 10 python -m bench.register --rows 7000000
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import tempfile
import time
from pathlib import Path

from bench.pg import throwaway_db
from bench.rebuild import Ran, run_rekap
from rekap.bootstrap import Rekap
from rekap.demo.run import load_demo_data
from rekap.domain.register import nik_digest
from rekap.settings import Settings

DKI = 7_000_000


def write_register(path: Path, tps: list[str], rows: int, seed: int = 17) -> None:
    """Fictional voters: 16-digit NIKs that no one holds (a 99 prefix), invented names, DKI TPS codes."""
    rng = random.Random(seed)
    first = ["Siti", "Budi", "Dewi", "Agus", "Rina", "Andi", "Putri", "Joko", "Maya", "Rizky"]
    last = ["Santoso", "Lestari", "Pratama", "Wijaya", "Sari", "Hidayat", "Saputra", "Putri"]
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["nik", "name", "sex", "birth_date", "tps"])
        for i in range(rows):
            birth = f"{rng.randint(1930, 2000)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            w.writerow([f"99{i:014d}", f"{rng.choice(first)} {rng.choice(last)}", rng.choice("LP"), birth,
                        tps[i % len(tps)]])  # fmt: skip


def read_and_hash(register: Path) -> float:
    """Seconds to parse every row and compute its NIK's HMAC: the floor under any import."""
    key = bytes(32)
    started = time.perf_counter()
    with register.open(newline="", encoding="utf-8") as f:
        rows = csv.reader(f)
        next(rows)
        for row in rows:
            nik_digest(key, row[0])
    return time.perf_counter() - started


def prepared(db_url: str, data_dir: Path) -> None:
    """The DKI regions, TPS and election, so that the register's TPS are known."""
    rekap = Rekap.open(Settings(data_dir=data_dir, database_url=db_url))
    try:
        load_demo_data(rekap)
    finally:
        rekap.close()


def imported(db_url: str, data_dir: Path, register: Path) -> Ran:
    ran = run_rekap(["import", "register", str(register)], db_url, data_dir)
    if ran.returncode != 0:
        raise SystemExit(f"rekap import register failed:\n{ran.output[-2000:]}")
    return ran


def run(db_url: str, data_dir: Path, register: Path, rows: int, floor: float) -> None:
    prepared(db_url, data_dir)
    first = imported(db_url, data_dir, register)
    said = re.search(r"register version \d+ .*? in [\d.]+ s", " ".join(first.output.split()))  # unwrapped
    print(f"  rekap: {said.group(0) if said else first.output.strip()[-200:]}")
    rate = rows / first.seconds
    print(f"  {rows:,} voters in {first.seconds:.1f} s wall (the process, start-up included): {rate:,.0f} rows/s, "
          f"peak RSS {first.peak_rss_mb:,.0f} MB; {first.seconds / floor:.1f}× reading and hashing alone"
          + (f"; 7 million at this rate: {DKI / rate / 60:.1f} min" if rows < DKI else ""))  # fmt: skip
    again = imported(db_url, data_dir, register)
    print(f"  the same file again: {'nothing changed' if 'nothing changed' in again.output else again.output[-200:]}"
          f" in {again.seconds:.1f} s (the file's SHA-256 and process start-up)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        probe = Rekap.open(Settings(data_dir=base / "probe"))
        load_demo_data(probe)
        tps = sorted(probe.writer.state.tps)
        probe.close()
        register = base / "dpt.csv"
        started = time.perf_counter()
        write_register(register, tps, args.rows)
        took = time.perf_counter() - started
        size = register.stat().st_size / 1e6
        print(f"register of {args.rows:,} voters over {len(tps):,} TPS written in {took:.1f} s ({size:,.0f} MB)")
        floor = read_and_hash(register)
        print(f"baseline: reading the file and hashing every NIK: {floor:.1f} s ({args.rows / floor:,.0f} rows/s)")
        print("SQLite:")
        sqlite_dir = base / "sqlite"
        run(f"sqlite:///{sqlite_dir / 'rekap.sqlite3'}", sqlite_dir, register, args.rows, floor)
        with throwaway_db("register") as url:
            print("PostgreSQL:")
            run(url, base / "pg", register, args.rows, floor)


if __name__ == "__main__":
    main()
