"""The numbers of one C1 for one contest, and the sources that report them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

#: Fields of a result other than the candidates' votes, in the order of the C1 form.
COUNT_FIELDS = ("dpt", "dptb", "dpk", "voters", "used", "unused", "damaged", "valid", "invalid")


class Result(NamedTuple):
    """Immutable; a named tuple because the fold makes one per submission, and a frozen dataclass takes
    several times as long to make. A count the source did not give is None: unknown, not zero (the votes per
    candidate are always given)."""

    votes: Mapping[int, int]
    valid: int | None
    invalid: int | None
    used: int | None
    unused: int | None
    damaged: int | None
    dpt: int | None
    dptb: int | None
    dpk: int | None
    voters: int | None

    def to_payload(self) -> dict[str, Any]:
        out: dict[str, Any] = {f: getattr(self, f) for f in COUNT_FIELDS}
        out["votes"] = {str(k): v for k, v in sorted(self.votes.items())}
        return out

    @classmethod
    def from_payload(cls, p: Mapping[str, Any]) -> Result:
        votes = {int(k): v for k, v in p["votes"].items()}
        # positional: keyword arguments built from COUNT_FIELDS cost as much again as the rest
        # and .get: a count the source did not give is null or absent
        g = p.get
        return cls(votes, g("valid"), g("invalid"), g("used"), g("unused"), g("damaged"), g("dpt"), g("dptb"),
                   g("dpk"), g("voters"))  # fmt: skip

    def signature(self) -> tuple[Any, ...]:
        """What two sources must agree on: every number on the form."""
        return (tuple(sorted(self.votes.items())), *(getattr(self, f) for f in COUNT_FIELDS))


@dataclass(frozen=True, slots=True)
class Source:
    kind: str
    candidate: int | None = None  # for a witness: whose saksi
    name: str | None = None  # for an import: whose figures (`rekap import results --source kpu`)

    @property
    def label(self) -> str:
        if self.candidate is not None:
            return f"{self.kind}:{self.candidate}"
        return f"{self.kind}:{self.name}" if self.name else self.kind
