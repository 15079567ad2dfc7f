"""Elections, their contests (one race on one ballot) and the candidates on each ballot."""

from __future__ import annotations

from dataclasses import dataclass


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
