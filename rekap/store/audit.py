"""Reading projection and token tables whole, row by row in column order, for `rekap verify` to compare with
what the log folds to."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, Table, select

from rekap.store import tables as t


def rows_of(conn: Connection, table: Table) -> Iterator[tuple[Any, ...]]:
    for row in conn.execute(select(table)):
        yield tuple(row)


def token_facts(conn: Connection) -> dict[str, tuple[str, str, int | None, bool]]:
    """Each token's id → (role, scope, candidate, revoked): what its log entries say, without its name or hash."""
    c = t.tokens.c
    rows = conn.execute(select(c.id, c.role, c.scope, c.candidate, c.revoked_at))
    return {r.id: (r.role, r.scope, r.candidate, r.revoked_at is not None) for r in rows}
