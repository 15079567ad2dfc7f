"""A role grant: what one person (or one token) may do, and where."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Grant:
    id: str
    user: str
    role: str
    scope: str  # a region code (the nation "ID" for admins) or a TPS code
    candidate: int | None = None  # the candidate a witness is the saksi of

    def to_row(self) -> list[object]:
        return [self.id, self.user, self.role, self.scope, self.candidate]
