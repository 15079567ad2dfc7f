"""Regions as the read side shows them: a region with its path and children, plenary streams, search."""

from __future__ import annotations

import re
import threading

from rekap.domain.errors import UnknownRegion
from rekap.domain.regions import Region
from rekap.domain.tps import Tps, tps_code
from rekap.services.read_model import ReadModel, RegionTree
from rekap.services.search import WordIndex, words
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
        self._index: WordIndex | None = None
        self._indexing = threading.Lock()

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
        """Regions by name or code prefix; TPS by code prefix, by number and kelurahan ("TPS 7 Cideng",
        "cideng 7") or by address words. Every hit names the regions above it: many kelurahan share a name."""
        q = " ".join(q.split())
        if len(q) < 2:
            return []
        index = self.words()
        tree = self.model.structure.tree
        out: list[SearchHit] = []
        if q[:2].isdigit() and (len(q) == 2 or not q[2].isspace()):
            out += [self._tps_hit(tree, t) for t in index.tps_with_code_starting(q, limit)]
            out += [_hit(tree, r) for r in index.regions_with_code_starting(q, limit)]
            return out[:limit]
        asked = parse_tps_query(q)
        if asked is not None:
            number, place = asked
            kelurahan = index.regions_named(words(place), limit, level=4)
            out += [self._tps_hit(tree, t) for t in index.tps_with_codes(tps_code(k.code, number) for k in kelurahan)]
        query = words(q)
        out += [_hit(tree, r) for r in index.regions_named(query, limit)]
        if len(out) < limit and len(q) >= 3:
            out += [self._tps_hit(tree, t) for t in index.tps_at(query, limit - len(out))]
        return out[:limit]

    def words(self) -> WordIndex:
        """The word index of the committed structure. The first search that finds it stale rebuilds it (seconds
        at national size) while other searches go on with the last one."""
        structure = self.model.structure
        index = self._index
        if index is not None and index.seq == structure.seq:
            return index
        if not self._indexing.acquire(blocking=index is None):
            assert index is not None
            return index
        try:
            index = self._index
            if index is None or index.seq != structure.seq:
                index = WordIndex.build(structure.seq, structure.tree.regions.values(), self.model.committed_tps())
                self._index = index
            return index
        finally:
            self._indexing.release()

    def _tps_hit(self, tree: RegionTree, t: Tps) -> SearchHit:
        kel = tree.regions.get(t.kelurahan)
        name = f"TPS {t.number:03d} {kel.name}" if kel else f"TPS {t.code}"
        return SearchHit("tps", t.code, name, None, _names_above(tree, t.kelurahan), t.address)


_TPS_WORD = re.compile(r"^tps$", re.IGNORECASE)


def parse_tps_query(q: str) -> tuple[int, str] | None:
    """("TPS 7 Cideng" | "cideng 7" | "Cideng TPS 007") → (7, "cideng"): one TPS number and a place name."""
    words = [w for w in q.split() if not _TPS_WORD.match(w)]
    numbers = [w for w in words if w.isdigit() and len(w) <= 4]
    place = " ".join(w for w in words if not (w.isdigit() and len(w) <= 4))
    if len(numbers) != 1 or len(place) < 2:
        return None
    return int(numbers[0]), place


def _names_above(tree: RegionTree, code: str) -> str | None:
    """The names of the regions above `code` up to the province, nearest first (for a TPS: above its
    kelurahan, whose name is in the TPS's own)."""
    names = [r.name for r in reversed(tree.ancestors(code)) if r.level >= 1]
    return ", ".join(names) or None


def _hit(tree: RegionTree, r: Region) -> SearchHit:
    return SearchHit("region", r.code, r.name, r.level, _names_above(tree, r.code))
