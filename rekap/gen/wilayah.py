"""The real Kemendagri region codes shipped with rekap (compressed), and writing the ones a generation keeps."""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rekap.domain.regions import path_of

WILAYAH = Path(__file__).parent / "data" / "wilayah.csv.gz"
COLUMNS = ("code", "name", "level", "parent_code")


@dataclass(frozen=True, slots=True)
class RegionRow:
    code: str
    name: str
    level: int
    parent_code: str


def read_wilayah(path: Path = WILAYAH) -> list[RegionRow]:
    """Every region, parents before children (the file is sorted by code)."""
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        return [RegionRow(r["code"], r["name"], int(r["level"]), r["parent_code"]) for r in csv.DictReader(f)]


def with_ancestors(codes: Iterable[str]) -> set[str]:
    """The codes and every region above them (the nation excluded: it has no Kemendagri code)."""
    return {c for code in codes for c in path_of(code)[:-1]}


def write_regions(rows: list[RegionRow], keep: set[str], out: Path) -> int:
    """The kept rows as a `rekap import regions` CSV; how many were written."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    n = 0
    for r in rows:
        if r.code in keep:
            w.writerow((r.code, r.name, r.level, r.parent_code))
            n += 1
    out.write_text(buf.getvalue(), encoding="utf-8")
    return n
