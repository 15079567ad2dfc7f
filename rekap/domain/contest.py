"""Elections, their contests (one race on one ballot) and the candidates on each ballot."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rekap.domain.errors import ImportRejected
from rekap.domain.log import Draft
from rekap.domain.rules import DEFAULT_MAX_VOTERS, DEFAULT_RESERVE_PERMILLE

if TYPE_CHECKING:  # the fold's state holds contests: imported for the planner's signature only
    from rekap.domain.fold import State


@dataclass(frozen=True, slots=True)
class Candidate:
    number: int
    names: tuple[str, ...]
    party: str = ""
    color: str = ""

    @property
    def label(self) -> str:
        return " – ".join(self.names)


@dataclass(frozen=True, slots=True)
class Contest:
    id: str
    election: str
    name: str
    scope: str
    candidates: tuple[Candidate, ...]

    @property
    def numbers(self) -> tuple[int, ...]:
        return tuple(c.number for c in self.candidates)


@dataclass(frozen=True, slots=True)
class Election:
    id: str
    name: str
    date: str
    contests: tuple[str, ...]
    #: the reserve ballots KPU sends each TPS beyond its DPT, per mille of the DPT (20: 2 %; 25 in Pilkada 2017)
    ballot_reserve_permille: int = DEFAULT_RESERVE_PERMILLE
    #: the law's largest number of voters in one TPS (800 in Pilkada 2017, 300 in Pemilu 2024)
    max_voters_per_tps: int = DEFAULT_MAX_VOTERS


def plan_election(state: State, spec: Mapping[str, Any], actor: str) -> Draft:
    """The entry that defines an election and its contests (`spec` as read from its file: {election,
    contests}), or why it may not: a contest's scope must be a known region and never changes."""
    election_id = spec["election"]["id"]
    for i, c in enumerate(spec["contests"]):
        if c["scope"] not in state.regions:
            raise ImportRejected(
                f"contest {c['id']}: scope {c['scope']} is not a known region", field=f"contests.{i}.scope"
            )
        old = state.contests.get(c["id"])
        if old and old.scope != c["scope"]:
            raise ImportRejected(
                f"contest {c['id']} exists with scope {old.scope}; scope cannot change", field=f"contests.{i}.scope"
            )
        if old and old.election != election_id:
            raise ImportRejected(f"contest {c['id']} belongs to election {old.election}", field=f"contests.{i}.id")
    return Draft("election.defined", spec, actor)
