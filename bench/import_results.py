"""`python -m bench.import_results`: an official results file of ~100,000 TPS (scale 0.125 of the synthetic
national election) imported by `rekap import results`' service twice, into a throw-away PostgreSQL database (or
SQLite with --sqlite): the rows per second of the first import, and that the second adds nothing."""

from __future__ import annotations

import argparse
import csv
import json
import tempfile
import time
from pathlib import Path

from bench import loader
from bench.pg import throwaway_db
from bench.run import generated
from rekap.gen import national

COUNTS = ("valid", "invalid", "used", "unused", "damaged", "dpt", "dptb", "dpk", "voters")


def official_csv(gen_dir: Path, out: Path) -> int:
    """The generated results as an official per-TPS CSV (one column per candidate, every count)."""
    rows = 0
    with (gen_dir / national.RESULTS_FILE).open(encoding="utf-8") as src, out.open("w", newline="") as dst:
        w = csv.writer(dst)
        numbers: list[str] | None = None
        for line in src:
            body = json.loads(line)
            r = body["result"]
            if numbers is None:
                numbers = sorted(r["votes"], key=int)
                w.writerow(["tps", "contest", *(f"votes_{n}" for n in numbers), *COUNTS])
            w.writerow([body["tps"], body["contest"], *(r["votes"][n] for n in numbers), *(r[c] for c in COUNTS)])
            rows += 1
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scale", type=float, default=0.125)
    ap.add_argument("--sqlite", action="store_true")
    a = ap.parse_args()
    gen_dir, _ = generated(a.scale, 1)
    with tempfile.TemporaryDirectory() as tmp, throwaway_db("imports") as pg_url:
        url = f"sqlite:///{tmp}/rekap.sqlite3" if a.sqlite else pg_url
        rekap = loader.open_db(url, Path(tmp) / "data")
        try:
            loader.load_election(rekap, gen_dir, 0, print)
            path = Path(tmp) / "official.csv"
            rows = official_csv(gen_dir, path)
            for attempt in ("first", "again"):
                t0 = time.monotonic()
                done = rekap.result_imports.results(path, "kpu", "bench")
                took = time.monotonic() - t0
                print(f"{attempt}: {done.rows:,} rows in {took:.1f} s ({done.rows / took:,.0f} rows/s): "
                      f"{done.logged:,} new entries, {done.unchanged:,} unchanged")  # fmt: skip
            assert rekap.writer.state.submission_count == rows
        finally:
            rekap.close()


if __name__ == "__main__":
    main()
