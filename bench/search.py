"""Benchmark: search as citizens type it, at national size: the real Kemendagri regions (83k desa/kelurahan) and
`rekap gen`'s draw of 823k TPS, each given a fictional address, imported into SQLite. Each query is answered by the
word index (`Regions.search`) and, as the baseline in the same run, by the scan it replaced: LIKE over the regions'
names and the TPS addresses in SQL, the way search worked before the index.

    nice -n 10 python -m bench.search [--scale 1.0]
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, select

from rekap.bootstrap import Rekap
from rekap.domain.tps import tps_code
from rekap.gen.register import draw_register, per_million
from rekap.gen.wilayah import read_wilayah, with_ancestors, write_regions
from rekap.services.regions import parse_tps_query
from rekap.services.search import WordIndex
from rekap.settings import Settings
from rekap.store import tables as t

LIMIT = 20
STREETS = ("Melati", "Mawar", "Kenanga", "Flamboyan", "Cempaka", "Anggrek", "Sudirman", "Diponegoro",
           "Gatot Subroto", "Ahmad Yani", "Pahlawan", "Merdeka", "Veteran", "Pemuda", "Kartini", "Hasanuddin",
           "Imam Bonjol", "Cendana", "Beringin", "Nangka", "Rambutan", "Durian", "Manggis", "Kelapa", "Pinang", "Jati",
           "Mahoni", "Bougenville")  # fmt: skip
PLACES = ("Jl.", "Gg.", "Balai Warga RW 03, Jl.", "SDN 01, Jl.", "Halaman Masjid, Jl.", "Lapangan, Jl.")


def write_files(out: Path, scale: float) -> tuple[Path, Path, int]:
    """regions.csv and tps.csv (with addresses), and how many TPS."""
    regions = read_wilayah()
    names = {r.code: r.name for r in regions}
    rows = draw_register(random.Random("1:register"), [r.code for r in regions if r.level == 4], per_million(scale))
    write_regions(regions, with_ancestors({r.kelurahan for r in rows}), out / "regions.csv")
    rng = random.Random(3)
    with (out / "tps.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["kelurahan_code", "tps_number", "dpt_total", "address"])
        for r in rows:
            street = f"{rng.choice(PLACES)} {rng.choice(STREETS)} No. {rng.randint(1, 120)}, {names[r.kelurahan]}"
            w.writerow([r.kelurahan, r.number, r.dpt, street])
    return out / "regions.csv", out / "tps.csv", len(rows)


def scan_search(conn: Connection, q: str) -> list[Any]:
    """The search before the word index: the same steps, each a LIKE over a whole table."""
    q = " ".join(q.split())
    out: list[Any] = []
    if q[:2].isdigit() and (len(q) == 2 or not q[2].isspace()):  # a code: the primary key's range, then regions
        c = t.tps.c
        after = q[:-1] + chr(ord(q[-1]) + 1)
        out += list(conn.execute(select(c.code).where(c.code >= q, c.code < after).order_by(c.code).limit(LIMIT)))
        out += list(conn.execute(select(t.regions.c.code).where(t.regions.c.code.like(q + "%")).limit(LIMIT)))
        return out[:LIMIT]
    asked = parse_tps_query(q)
    if asked is not None:
        number, place = asked
        kel = [r.code for r in _regions_like(conn, place, level=4)]
        out += list(conn.execute(select(t.tps.c.code).where(t.tps.c.code.in_([tps_code(k, number) for k in kel]))))
    out += _regions_like(conn, q)
    if len(out) < LIMIT:
        where = func.lower(t.tps.c.address).like(f"%{q.lower()}%")
        out += list(conn.execute(select(t.tps.c.code).where(where).order_by(t.tps.c.code).limit(LIMIT - len(out))))
    return out[:LIMIT]


def _regions_like(conn: Connection, part: str, level: int | None = None) -> list[Any]:
    c = t.regions.c
    where: Any = func.lower(c.name).like(f"%{part.lower()}%")
    if level is not None:
        where = where & (c.level == level)
    return list(conn.execute(select(c.code).where(where).order_by(c.level, c.name).limit(LIMIT)))


def timed(fn: Callable[[], object], runs: int) -> tuple[float, object]:
    """Median milliseconds of `runs` calls, and the last answer."""
    took, out = [], None
    for _ in range(runs):
        started = time.perf_counter()
        out = fn()
        took.append((time.perf_counter() - started) * 1000)
    return statistics.median(took), out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        regions, tps, n = write_files(base, args.scale)
        rekap = Rekap.open(Settings(data_dir=base / "data"))
        try:
            started = time.perf_counter()
            rekap.imports.regions(regions, "bench")
            rekap.imports.tps(tps, "bench")
            print(f"{len(rekap.writer.state.regions):,} regions and {n:,} TPS with addresses imported into SQLite in "
                  f"{time.perf_counter() - started:.0f} s")  # fmt: skip
            started = time.perf_counter()
            index = rekap.regions.words()
            took = time.perf_counter() - started
            tracemalloc.start()  # a second build, to count what the index holds beyond the TPS rows it shares
            again = WordIndex.build(index.seq, rekap.read_model.structure.tree.regions.values(),
                                     rekap.read_model.committed_tps())  # fmt: skip
            held = tracemalloc.get_traced_memory()[0] / 1e6
            tracemalloc.stop()
            del again
            print(f"word index built in {took:.1f} s; it holds {held:,.0f} MB")
            sample = rekap.writer.state.tps[sorted(rekap.writer.state.tps)[n // 2]]
            kel = rekap.writer.state.regions[sample.kelurahan].name
            queries = [f"TPS {sample.number} {kel}", f"{kel.lower()} {sample.number}", sample.code, kel[:4],
                       "melati no 12", "jl gatot subroto", "sukamaju", "masjid", "zzqx"]  # fmt: skip
            print(f"{'query':<30} {'hits':>4} {'index ms':>9} {'scan hits':>9} {'scan ms':>8} {'scan/index':>10}")
            for q in queries:
                fast, hits = timed(lambda q=q: rekap.regions.search(q), args.runs)
                with rekap.db.reader.connect() as conn:
                    slow, scanned = timed(lambda q=q, conn=conn: scan_search(conn, q), max(1, args.runs // 2))
                found = len(hits) if isinstance(hits, list) else 0
                matched = len(scanned) if isinstance(scanned, list) else 0
                print(f"{q[:30]:<30} {found:>4} {fast:>9.3f} {matched:>9} {slow:>8.1f} {slow / fast:>9.0f}×")
        finally:
            rekap.close()


if __name__ == "__main__":
    main()
