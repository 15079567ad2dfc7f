"""Failed attempts per key in one table that every worker shares: counted in a window, locked once too many.

Each failure is one atomic upsert (INSERT … ON CONFLICT DO UPDATE … RETURNING, on SQLite and PostgreSQL alike), so
two workers counting the same key at once both count."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Insert, case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from rekap.store import tables as t

_c = t.failed_attempts.c


def locks(conn: Connection, keys: Sequence[str], now: int) -> dict[str, int]:
    """The keys among `keys` locked at `now`, with the end of each lock."""
    q = select(_c.key, _c.locked_until).where(_c.key.in_(keys), _c.locked_until > now)
    return {k: int(until) for k, until in conn.execute(q)}


def count_failure(conn: Connection, key: str, now: int, window: int) -> int:
    """Count one failure of `key`; how many it has in its current window (a window starts at its first)."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt: Insert = insert(t.failed_attempts).values(key=key, failures=1, expires=now + window, locked_until=0)
    ended = _c.expires <= now
    stmt = stmt.on_conflict_do_update(  # type: ignore[attr-defined]
        index_elements=[_c.key],
        set_={
            "failures": case((ended, 1), else_=_c.failures + 1),
            "expires": case((ended, now + window), else_=_c.expires),
        },
    ).returning(_c.failures)
    return int(conn.execute(stmt).scalar_one())


def lock(conn: Connection, key: str, until: int, window: int) -> None:
    """Lock `key` until `until`; its count starts again from nothing when the lock ends."""
    conn.execute(update(t.failed_attempts).where(_c.key == key).values(failures=0, expires=until + window,
                                                                        locked_until=until))  # fmt: skip


def forget(conn: Connection, key: str) -> None:
    conn.execute(delete(t.failed_attempts).where(_c.key == key))


def prune(conn: Connection, now: int) -> None:
    """Drop the rows whose window and lock are over (an attacker's many addresses and guesses)."""
    conn.execute(delete(t.failed_attempts).where(_c.expires <= now, _c.locked_until <= now))
