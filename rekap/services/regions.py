"""Regions as the read side shows them: a region with its path and children, plenary streams, search."""

from __future__ import annotations

from rekap.domain.errors import UnknownRegion
from rekap.domain.regions import Region
from rekap.services.read_model import ReadModel, RegionTree
from rekap.services.views import RegionRef, RegionView, SearchHit
from rekap.store import regions as stored
from rekap.store.db import Database

SEARCH_LIMIT = 20


def known(tree: RegionTree, code: str) -> Region:
    r = tree.regions.get(code)
    if r is None:
        raise UnknownRegion(f"no region {code!r}", field="region_code")
    return r


class Regions:
    def __init__(self, model: ReadModel, db: Database) -> None:
        self.model, self.db = model, db

    def get(self, code: str) -> RegionView:
        tree = self.model.structure.tree
        region = known(tree, code)
        path = [RegionRef.of(r) for r in tree.ancestors(code)]
        with self.db.reader.connect() as conn:
            n = stored.tps_count(conn, code)
            stream = stored.stream_url(conn, code)
        children = [RegionRef.of(tree.regions[c]) for c in tree.children.get(code, [])]
        parent = path[-1] if path else None
        return RegionView(region.code, region.name, region.level, parent, path, children, n, stream)

    def streams_of(self, codes: list[str]) -> dict[str, str]:
        """Live stream links of the recap plenaries of these regions (those that have one)."""
        with self.db.reader.connect() as conn:
            return stored.stream_urls(conn, codes)

    def search(self, q: str, limit: int = SEARCH_LIMIT) -> list[SearchHit]:
        """Regions by name or code prefix, TPS by code prefix."""
        q = q.strip()
        if len(q) < 2:
            return []
        out: list[SearchHit] = []
        with self.db.reader.connect() as conn:
            if q[:2].isdigit():
                out += [SearchHit("tps", code, f"TPS {code}") for code in stored.tps_codes_starting(conn, q, limit)]
                out += [_hit(r) for r in stored.regions_with_code_starting(conn, q, limit)]
            else:
                out += [_hit(r) for r in stored.regions_named_like(conn, q, limit)]
        return out[:limit]


def _hit(r: Region) -> SearchHit:
    return SearchHit("region", r.code, r.name, r.level)
