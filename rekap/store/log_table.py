"""Statements on the log and its head: rows in and out, the head's lock, and the province index of an entry."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Select, func, or_, select, update

from rekap.domain.log import Entry, canonical_text, province_of
from rekap.store import tables as t

LOG_COLUMNS = (t.log.c.seq, t.log.c.prev_hash, t.log.c.hash, t.log.c.kind, t.log.c.payload, t.log.c.actor, t.log.c.at)

#: PostgreSQL: the new head and the note to every other worker's follower, in the statement that ends a batch
NEW_HEAD_PG = "UPDATE log_head SET seq = %b, hash = %b WHERE id = 1 RETURNING pg_notify('rekap_log', %b)"


def select_entries(
    after: int = 0,
    upto: int | None = None,
    limit: int | None = None,
    provinces: Iterable[str] | None = None,
    other_provinces: bool = False,
) -> Select[Any]:
    """Log rows with after < seq ≤ upto, in order. With `provinces`, only the entries about no province (imports,
    contests, tokens) and those about one of `provinces` (or, with `other_provinces`, about none of them)."""
    log = t.log.c
    q = select(*LOG_COLUMNS).where(log.seq > after)
    if upto is not None:
        q = q.where(log.seq <= upto)
    if provinces is not None:
        chosen = log.province.in_(sorted(provinces))
        q = q.where(or_(log.province.is_(None), ~chosen if other_provinces else chosen))
    q = q.order_by(log.seq)
    return q.limit(limit) if limit is not None else q


def head(conn: Connection, *, lock: bool = False) -> tuple[int, str]:
    """(seq, hash) of the head; with `lock` on PostgreSQL the head row is locked until the transaction ends
    (SQLite's writer already holds the database's write lock: BEGIN IMMEDIATE)."""
    q = select(t.log_head.c.seq, t.log_head.c.hash).where(t.log_head.c.id == 1)
    if lock and conn.dialect.name == "postgresql":
        q = q.with_for_update()
    seq, hash_ = conn.execute(q).one()
    return int(seq), str(hash_)


def head_seq(conn: Connection) -> int:
    return int(conn.execute(select(t.log_head.c.seq)).scalar_one())


def set_head(conn: Connection, seq: int, hash_: str) -> None:
    conn.execute(update(t.log_head).where(t.log_head.c.id == 1).values(seq=seq, hash=hash_))


def at_of(conn: Connection, seq: int) -> str | None:
    return conn.execute(select(t.log.c.at).where(t.log.c.seq == seq)).scalar()


def hash_of(conn: Connection, seq: int) -> str | None:
    return conn.execute(select(t.log.c.hash).where(t.log.c.seq == seq)).scalar()


def count_of_kind(conn: Connection, kind: str, upto: int) -> int:
    q = select(func.count()).select_from(t.log).where(t.log.c.kind == kind, t.log.c.seq <= upto)
    return int(conn.execute(q).scalar_one())


def log_row(e: Entry) -> tuple[object, ...]:
    """The columns of t.log, in order; the payload as the text that was hashed when the writer has it."""
    payload = e.payload_text if e.payload_text is not None else canonical_text(e.payload)
    return (e.seq, e.prev_hash, e.hash, e.kind, payload, e.actor, e.at, province_of(e.kind, e.payload))
