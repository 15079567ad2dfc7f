"""`python -m bench.onboarding [--rows 10000]`: bulk onboarding of officers from CSV, timed on SQLite and on a
throw-away PostgreSQL database, with the Pilkada DKI 2017 TPS list (13,023 TPS). Not a test: a measurement for
BENCHMARKS.md ("People: onboarding").

Each run imports one CSV of `rows` officers (one per TPS, a real phone-number shape), which is one log entry and
one transaction; it then checks that `rekap verify` still passes and that no name or phone entered the log."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from bench.pg import throwaway_db
from rekap.bootstrap import Rekap
from rekap.demo.run import load_demo_data
from rekap.services.people import CLI
from rekap.settings import Settings
from rekap.store import tables as t


def officers_csv(rekap: Rekap, rows: int) -> str:
    tps = sorted(rekap.writer.state.tps)[:rows]
    lines = [f"Petugas KPPS {n:05d},0812{n:08d},{code},officer" for n, code in enumerate(tps, 1)]
    return "name,phone,tps,role\n" + "\n".join(lines) + "\n"


def measure(db_url: str, data_dir: Path, rows: int) -> dict[str, float]:
    rekap = Rekap.open(Settings(data_dir=data_dir, database_url=db_url))
    try:
        load_demo_data(rekap)
        text = officers_csv(rekap, rows)
        t0 = time.monotonic()
        issued = rekap.people.import_officers(CLI, text)
        seconds = time.monotonic() - t0
        assert len(issued) == rows
        t1 = time.monotonic()
        report = rekap.verify()
        verify_s = time.monotonic() - t1
        assert report.ok
        with rekap.db.reader.connect() as conn:
            last = conn.execute(select(t.log.c.payload).order_by(t.log.c.seq.desc()).limit(1)).scalar_one()
        assert "Petugas" not in last and "081200000001" not in last
        return {"rows": rows, "seconds": seconds, "per_second": rows / seconds, "entry_kb": len(last) / 1024,
                "verify_s": verify_s}  # fmt: skip
    finally:
        rekap.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=10_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = measure(f"sqlite:///{tmp}/rekap.sqlite3", Path(tmp) / "sqlite", args.rows)
        with throwaway_db("people") as pg_url:
            pg = measure(pg_url, Path(tmp) / "pg", args.rows)
    for name, r in (("SQLite", sqlite), ("PostgreSQL", pg)):
        print(f"{name}: {r['rows']:,} officers in {r['seconds']:.2f} s ({r['per_second']:,.0f}/s), "
              f"one entry of {r['entry_kb']:,.0f} KB; verify {r['verify_s']:.1f} s")  # fmt: skip


if __name__ == "__main__":
    main()
