"""The words of every region's name and every TPS's address, indexed in memory, so that a search as citizens type
it ("cideng barat", "TPS 7 Cideng") is answered without scanning 823k TPS. Each word maps to the ids of what holds
it, ids in the order hits are shown; a query's words match the beginnings of words, in any order."""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from heapq import merge

from rekap.domain.regions import NATION, Region
from rekap.domain.tps import Tps

_WORD = re.compile(r"[^\W_]+")
_AFTER_EVERY_WORD = "\U0010ffff"


def words(text: str) -> list[str]:
    """The words of a text as the index keeps them: letters and digits, case folded; the rest separates."""
    return _WORD.findall(text.casefold())


class Words:
    """word → ids of the texts that hold it (ascending), and the words in order for beginnings."""

    def __init__(self, texts: Iterable[str | None]) -> None:
        found: dict[str, list[int]] = {}
        for i, text in enumerate(texts):
            if text:
                for w in set(words(text)):
                    found.setdefault(w, []).append(i)
        self.sorted = sorted(found)
        self.postings = {w: array("I", ids) for w, ids in found.items()}

    def starting(self, prefix: str) -> list[str]:
        lo = bisect_left(self.sorted, prefix)
        return self.sorted[lo : bisect_left(self.sorted, prefix + _AFTER_EVERY_WORD, lo)]

    def matching(self, query: Sequence[str], text_of: Callable[[int], str], limit: int,
                 keep: Callable[[int], bool] = lambda _i: True) -> list[int]:  # fmt: skip
        """Ids whose text has a word beginning with each word of `query`, in id order, at most `limit`: the ids
        of the rarest query word, each checked against its own text for the other words."""
        if not query or limit <= 0:
            return []
        found = [self.starting(q) for q in query]
        sizes = [sum(len(self.postings[w]) for w in ws) for ws in found]
        rarest = min(range(len(query)), key=sizes.__getitem__)
        rest = [q for i, q in enumerate(query) if i != rarest]
        out: list[int] = []
        for i in self._ids(found[rarest]):
            if not keep(i):
                continue
            if rest:
                have = words(text_of(i))
                if not all(any(w.startswith(q) for w in have) for q in rest):
                    continue
            out.append(i)
            if len(out) == limit:
                break
        return out

    def _ids(self, ws: list[str]) -> Iterator[int]:
        if len(ws) == 1:
            yield from self.postings[ws[0]]
            return
        last = -1
        for i in merge(*(self.postings[w] for w in ws)):
            if i != last:
                yield i
                last = i


@dataclass(frozen=True)
class WordIndex:
    """One version of the structure (`seq`), indexed: regions by level then name, TPS by code."""

    seq: int
    regions: list[Region]
    by_code: list[Region]  # sorted by code, for code prefixes
    tps: list[Tps]
    tps_codes: list[str]
    names: Words
    addresses: Words

    @classmethod
    def build(cls, seq: int, regions: Iterable[Region], tps: Iterable[Tps]) -> WordIndex:
        rs = sorted((r for r in regions if r.code != NATION), key=lambda r: (r.level, r.name, r.code))
        ts = sorted(tps, key=lambda t: t.code)
        return cls(seq, rs, sorted(rs, key=lambda r: r.code), ts, [t.code for t in ts], Words(r.name for r in rs),
                   Words(t.address for t in ts))  # fmt: skip

    def regions_named(self, query: Sequence[str], limit: int, level: int | None = None) -> list[Region]:
        rs = self.regions
        keep = (lambda i: rs[i].level == level) if level is not None else (lambda _i: True)
        return [rs[i] for i in self.names.matching(query, lambda i: rs[i].name, limit, keep)]

    def tps_at(self, query: Sequence[str], limit: int) -> list[Tps]:
        ts = self.tps
        return [ts[i] for i in self.addresses.matching(query, lambda i: ts[i].address or "", limit)]

    def tps_with_codes(self, codes: Iterable[str]) -> list[Tps]:
        out = []
        for code in sorted(set(codes)):
            i = bisect_left(self.tps_codes, code)
            if i < len(self.tps_codes) and self.tps_codes[i] == code:
                out.append(self.tps[i])
        return out

    def tps_with_code_starting(self, prefix: str, limit: int) -> list[Tps]:
        i = bisect_left(self.tps_codes, prefix)
        return [t for t in self.tps[i : i + limit] if t.code.startswith(prefix)]

    def regions_with_code_starting(self, prefix: str, limit: int) -> list[Region]:
        i = bisect_left(self.by_code, prefix, key=lambda r: r.code)
        return [r for r in self.by_code[i : i + limit] if r.code.startswith(prefix)]
