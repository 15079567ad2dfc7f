"""Idempotency keys: which (token, key) pairs have logged an entry, and with which request body."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sqlalchemy import Connection, select, tuple_

from rekap.domain.log import Entry
from rekap.store import tables as t


class Key(Protocol):
    @property
    def token_id(self) -> str: ...

    @property
    def key(self) -> str: ...


def used(conn: Connection, keys: Sequence[Key]) -> dict[tuple[str, str], tuple[str, int]]:
    """(body digest, seq) of every key of `keys` already used: exact, as only holders of the write lock write
    keys."""
    if not keys:
        return {}
    idem = t.idempotency.c
    pairs = list({(k.token_id, k.key) for k in keys})
    rows = conn.execute(
        select(idem.token_id, idem.key, idem.body_sha256, idem.seq).where(tuple_(idem.token_id, idem.key).in_(pairs))
    )
    return {(r.token_id, r.key): (r.body_sha256, r.seq) for r in rows}


def claim_row(token_id: str, key: str, digest: str, e: Entry) -> tuple[object, ...]:
    return (token_id, key, digest, e.seq, e.hash, e.at)  # the columns of t.idempotency, in order
