"""Benchmark: importing a voter register (DPT) of N fictional voters spread over DKI Jakarta's TPS, on SQLite and on
PostgreSQL, timed by phase (the file's hash and line count, checking and loading the rows, counting DPS → DPT
changes and the DPT per TPS, logging). Reported as rows per second and the time a DKI-sized register (7 million
voters) would take at that rate.

    python -m bench.register --rows 500000 [--pg postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import csv
import random
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

from rekap.bootstrap import Rekap
from rekap.demo.run import load_demo_data
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


def run(db_url: str, data_dir: Path, register: Path) -> float:
    rekap = Rekap.open(Settings(data_dir=data_dir, database_url=db_url))
    try:
        load_demo_data(rekap)
        started = time.perf_counter()
        out = rekap.register.import_file(register, "DPT", "bench")
        took = time.perf_counter() - started
        print(f"  {out.rows:,} voters in {took:.1f} s: {out.rows / took:,.0f} rows/s, DPT of {out.tps_changed:,} TPS "
              f"changed; 7 million at this rate: {DKI / (out.rows / took) / 60:.1f} min")  # fmt: skip
        started = time.perf_counter()
        again = rekap.register.import_file(register, "DPT", "bench")
        print(f"  the same file again: unchanged={again.unchanged} in {time.perf_counter() - started:.1f} s")
        return took
    finally:
        rekap.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
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
        print(f"register of {args.rows:,} voters over {len(tps):,} TPS written in {took:.1f} s ({size:.0f} MB)")
        print("SQLite:")
        run("", base / "sqlite", register)
        name = f"rekap_bench_register_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(args.pg, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        try:
            print("PostgreSQL:")
            run(args.pg.rsplit("/", 1)[0] + "/" + name, base / "pg", register)
        finally:
            with psycopg.connect(args.pg, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


if __name__ == "__main__":
    main()
