"""What the log writer is asked to do: a command plans one entry against the current state, may carry writes to
internal tables that go in the same transaction, and may carry an idempotency key that makes it safe to retry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Connection, Table

from rekap.domain.errors import RekapError
from rekap.domain.fold import Changes, State
from rekap.domain.log import Draft, Entry
from rekap.store.batch import Rows

#: a domain planner bound to its arguments: the entry to log, or the typed error that says why not
Plan = Callable[[State], Draft]
#: a store function bound to its arguments, run in the entry's transaction right after it is folded (internal
#: rows beside the public log: a token's secret hash, a user's name)
StoreWrite = Callable[[Connection, Entry], None]
#: rows of an internal table that go into the batch's one statement with the entry, each left out where a row with
#: its key is there already (the photos sent with a result: the same bytes sent twice are one row)
NewRows = Callable[[Entry], tuple[Table, Rows]]


@dataclass(frozen=True)
class IdempotencyKey:
    """One (token, key) logs at most one entry. It is looked up under the write lock, so two retries racing in
    two workers cannot both get in, and the first one's entry answers the others."""

    token_id: str
    key: str
    digest: str  # SHA-256 of the request body: the same key with another body is a conflict


@dataclass(frozen=True)
class Command:
    plan: Plan
    writes: tuple[StoreWrite, ...] = ()
    key: IdempotencyKey | None = None
    rows: tuple[NewRows, ...] = ()


@dataclass(frozen=True)
class Appended:
    """The command's entry, committed, and what folding it changed."""

    entry: Entry
    changes: Changes = field(compare=False, repr=False)


@dataclass(frozen=True)
class Replayed:
    """The command's key had already logged entry `seq` with the same body: nothing new was logged."""

    seq: int


Outcome = Appended | Replayed | RekapError
