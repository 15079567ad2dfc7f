"""The totals of one region in one contest: votes per candidate and the counts beside them, added up by deltas.

Every count is a `Count` declared once in `Totals`; TOTALS_COUNTS, the copy, the addition along a result's
region path and the stored row all follow from that list, so adding a count is one line here (and a column in
the store's migration).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from operator import add
from typing import overload

_ORDER: list[str] = []


class Count:
    """A named count of a Totals row, kept at its place in the row's `counts` list."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name, self.index = name, len(_ORDER)
        _ORDER.append(name)

    @overload
    def __get__(self, obj: None, owner: type) -> Count: ...
    @overload
    def __get__(self, obj: Totals, owner: type) -> int: ...
    def __get__(self, obj: Totals | None, owner: type) -> Count | int:
        return self if obj is None else obj.counts[self.index]

    def __set__(self, obj: Totals, value: int) -> None:
        obj.counts[self.index] = value


class Totals:
    __slots__ = ("counts", "last_seq", "updated_at", "votes")

    valid = Count()
    invalid = Count()
    voters = Count()
    tps_reported = Count()
    tps_total = Count()
    dpt_reported = Count()
    dpt_total = Count()
    flagged = Count()
    disagreements = Count()
    #: TPS whose accepted result is above what the TPS can have and waits for an operator: not in the sums
    held = Count()
    #: TPS counted whose result does not give the count: each sum is of the TPS that gave it (issue 16)
    valid_unknown = Count()
    invalid_unknown = Count()
    voters_unknown = Count()

    def __init__(
        self,
        votes: dict[int, int] | None = None,
        counts: list[int] | None = None,
        last_seq: int = 0,
        updated_at: str = "",
    ) -> None:
        self.votes: dict[int, int] = votes if votes is not None else {}
        self.counts: list[int] = counts if counts is not None else [0] * len(TOTALS_COUNTS)
        self.last_seq = last_seq
        self.updated_at = updated_at

    @classmethod
    def of(cls, votes: Mapping[int, int] | None = None, **counts: int) -> Totals:
        """Totals with the named counts (the others zero); an unknown name is a bug and raises."""
        unknown = counts.keys() - set(TOTALS_COUNTS)
        if unknown:
            raise TypeError(f"no such count: {', '.join(sorted(unknown))}")
        return cls(dict(votes or {}), [counts.get(name, 0) for name in TOTALS_COUNTS])

    def copy(self) -> Totals:
        """A copy that shares nothing."""
        return Totals(dict(self.votes), list(self.counts), self.last_seq, self.updated_at)

    def add(self, other: Totals) -> None:
        """Add `other`'s votes and counts to these (the time of the change is the caller's to set)."""
        votes = self.votes
        for number, v in other.votes.items():
            votes[number] = votes.get(number, 0) + v
        self.counts = list(map(add, self.counts, other.counts))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Totals):
            return NotImplemented
        return (self.votes, self.counts, self.last_seq, self.updated_at) == (
            other.votes,
            other.counts,
            other.last_seq,
            other.updated_at,
        )

    def __repr__(self) -> str:
        named = ", ".join(f"{n}={v}" for n, v in zip(TOTALS_COUNTS, self.counts, strict=True))
        return f"Totals(votes={self.votes}, {named}, last_seq={self.last_seq})"


#: The counts a Totals row carries besides the votes per candidate, in the order tables and downloads show them.
TOTALS_COUNTS: tuple[str, ...] = tuple(_ORDER)


def add_along(path: Iterable[Totals], delta: Totals, seq: int, at: str) -> None:
    """Add one entry's delta to every region on its path: the delta's parts are read once, not once a region."""
    votes = tuple(delta.votes.items())
    counts = delta.counts
    for t in path:
        tv = t.votes
        for number, v in votes:
            tv[number] = tv.get(number, 0) + v
        t.counts = list(map(add, t.counts, counts))
        t.last_seq, t.updated_at = seq, at
