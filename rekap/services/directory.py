"""The TPS directory: every TPS of a region with its address, voters, opening hours and accessibility notes,
as the election office publishes them, for citizens and for the export."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rekap.domain.errors import UnknownTps
from rekap.services.read_model import ReadModel
from rekap.services.regions import known
from rekap.services.views import RegionRef
from rekap.store import regions as stored
from rekap.store.db import Database

#: the columns of the directory's CSV export, in order
EXPORT_COLUMNS = (
    "tps_code", "kelurahan_code", "kelurahan", "kecamatan", "kabkota", "tps_number", "dpt", "address", "latitude",
    "longitude", "hours", "access",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class TpsInfo:
    code: str
    number: int
    kelurahan: RegionRef
    dpt: int
    address: str | None
    lat_e6: int | None
    lon_e6: int | None
    hours: str | None
    access: str | None


@dataclass(frozen=True, slots=True)
class DirectoryView:
    """A region's place in the tree and its TPS (a kelurahan), or its children with their TPS counts."""

    region: RegionRef
    path: list[RegionRef]
    children: list[tuple[RegionRef, int]]
    tps: list[TpsInfo]


class Directory:
    def __init__(self, model: ReadModel, db: Database) -> None:
        self.model, self.db = model, db

    def region(self, code: str) -> DirectoryView:
        tree = self.model.structure.tree
        region = known(tree, code)
        path = [RegionRef.of(r) for r in tree.ancestors(code)]
        with self.db.reader.connect() as conn:
            if region.level == 4:
                rows = stored.tps_details(conn, where_kelurahan=code)
                return DirectoryView(RegionRef.of(region), path, [], [self._info(r) for r in rows])
            children = [(RegionRef.of(tree.regions[c]), stored.tps_count(conn, c)) for c in tree.children.get(code, [])]
        return DirectoryView(RegionRef.of(region), path, children, [])

    def tps(self, code: str) -> TpsInfo:
        with self.db.reader.connect() as conn:
            rows = stored.tps_details(conn, code=code)
        if not rows:
            raise UnknownTps(f"no TPS {code!r}", field="tps_code")
        return self._info(rows[0])

    def export_rows(self, code: str) -> list[list[Any]]:
        """The directory of a region as CSV rows (EXPORT_COLUMNS), every TPS within it."""
        tree = self.model.structure.tree
        known(tree, code)
        with self.db.reader.connect() as conn:
            rows = stored.tps_in_region(conn, code)
        out = []
        for r in rows:
            names = [tree.regions[c].name if c in tree.regions else "" for c in _up(r.kelurahan)]
            out.append([
                r.code, r.kelurahan, *names, r.number, r.dpt, r.address or "", _degrees(r.lat_e6), _degrees(r.lon_e6),
                r.hours or "", r.access or "",
            ])  # fmt: skip
        return out

    def _info(self, r: Any) -> TpsInfo:
        kel = self.model.structure.tree.regions[r.kelurahan]
        return TpsInfo(
            r.code, r.number, RegionRef.of(kel), r.dpt, r.address, r.lat_e6, r.lon_e6, r.hours, r.access
        )  # fmt: skip


def _up(kelurahan: str) -> tuple[str, str, str]:
    """A kelurahan's code, its kecamatan's and its kab/kota's."""
    return kelurahan, kelurahan.rsplit(".", 1)[0], kelurahan.rsplit(".", 2)[0]


def _degrees(e6: int | None) -> str:
    """Microdegrees as a decimal string, exactly (no float on the way)."""
    if e6 is None:
        return ""
    sign, n = ("-" if e6 < 0 else ""), abs(e6)
    return f"{sign}{n // 1_000_000}.{n % 1_000_000:06d}"
