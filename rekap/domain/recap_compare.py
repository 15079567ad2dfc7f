"""A tier's recap compared with the sum of its children and with the real count, every difference named.

The children of a region count with their own recap where they have one, else with the sum of their TPS (the
real count). A recap's difference from the real count splits exactly into what this tier added (its recap minus
its children's sum) and what each child's recap differs from that child's TPS: so the children named are the
ones whose own recap moved the number, and the differences left at this tier are the plenary's own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rekap.domain.fold.totals import Totals
from rekap.domain.result import Result

#: the counts of a D-form that the sum of TPS results also knows, besides the votes per candidate
COMPARED = ("valid", "invalid", "voters", "dpt")


@dataclass(frozen=True, slots=True)
class Figures:
    """The comparable counts of a recap or of a sum of TPS."""

    votes: Mapping[int, int]
    valid: int
    invalid: int
    voters: int
    dpt: int

    @classmethod
    def of_result(cls, r: Result) -> Figures:
        """A recap's figures: its plan refused any of them left unknown (an old entry's were all given)."""
        return cls(dict(r.votes), r.valid or 0, r.invalid or 0, r.voters or 0, r.dpt or 0)

    @classmethod
    def of_totals(cls, t: Totals | None) -> Figures:
        """The real count of a region (nothing counted yet: zeros, and the register's DPT where known)."""
        if t is None:
            return cls({}, 0, 0, 0, 0)
        return cls(dict(t.votes), t.valid, t.invalid, t.voters, t.dpt_total)

    def count(self, name: str) -> int:
        if name.startswith("votes."):
            return self.votes.get(int(name.removeprefix("votes.")), 0)
        return int(getattr(self, name))


def counts_of(numbers: Sequence[int]) -> tuple[str, ...]:
    """The counts compared for a contest, in the order of the form."""
    return (*(f"votes.{n}" for n in numbers), *COMPARED)


@dataclass(frozen=True, slots=True)
class Child:
    """One child region as its parent's comparison sees it."""

    code: str
    real: Figures  # the sum of its TPS
    recap: Figures | None = None  # its own recap, if one was entered
    signed_seq: int = 0  # when its recap was signed off (0: not signed)
    incomplete: bool = False  # some of its TPS have no result yet
    changed_tps: tuple[str, ...] = ()  # TPS whose accepted result changed after its recap was signed

    @property
    def counted(self) -> Figures:
        return self.recap if self.recap is not None else self.real


@dataclass(frozen=True, slots=True)
class Explained:
    """A child whose own recap differs from its TPS sum in one count: by `votes` (its recap minus its TPS)."""

    child: str
    votes: int
    changed_tps: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Difference:
    count: str  # "votes.2", "valid", …
    recap: int  # what the plenary announced
    children: int  # the sum of the children (their recaps where they exist, else their TPS)
    real: int  # the sum of every TPS below (the real count)
    explained_by: tuple[Explained, ...]  # children whose recap differs from their TPS in this count
    incomplete: tuple[str, ...]  # children without a recap, not all TPS in yet, where this tier adds something

    @property
    def at_this_tier(self) -> int:
        """What the plenary's figure differs from its children's sum: no child explains this part."""
        return self.recap - self.children

    @property
    def from_real(self) -> int:
        return self.recap - self.real

    @property
    def unexplained(self) -> bool:
        """No child accounts for it: the plenary's own addition differs from its children's figures."""
        return self.at_this_tier != 0


def compare(numbers: Sequence[int], recap: Figures, real: Figures, children: Sequence[Child]) -> tuple[Difference, ...]:
    """Every count in which the recap differs from its children's sum or from the real count."""
    out = []
    for name in counts_of(numbers):
        announced = recap.count(name)
        summed = sum(c.counted.count(name) for c in children) if children else real.count(name)
        counted = real.count(name)
        if announced == summed == counted:
            continue
        explained = tuple(
            Explained(c.code, c.recap.count(name) - c.real.count(name), c.changed_tps)
            for c in children
            if c.recap is not None and c.recap.count(name) != c.real.count(name)
        )
        # children still counting account for what this tier adds only: they are named when it adds something
        incomplete = tuple(c.code for c in children if c.recap is None and c.incomplete) if announced != summed else ()
        out.append(Difference(name, announced, summed, counted, explained, incomplete))
    return tuple(out)
