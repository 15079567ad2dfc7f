"""The tokens table: API tokens as their holders' names and the SHA-256 of their secrets (never the secret)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select, update

from rekap.domain.log import Entry
from rekap.store import tables as t


@dataclass(frozen=True)
class TokenRow:
    id: str
    name: str
    role: str
    scope: str
    candidate: int | None
    revoked: bool


def by_digest(conn: Connection, digest: str) -> TokenRow | None:
    row = conn.execute(select(t.tokens).where(t.tokens.c.token_hash == digest)).first()
    if row is None:
        return None
    return TokenRow(row.id, row.name, row.role, row.scope, row.candidate, row.revoked_at is not None)


def exists(conn: Connection, token_id: str) -> bool:
    return conn.execute(select(t.tokens.c.id).where(t.tokens.c.id == token_id)).first() is not None


def insert(conn: Connection, entry: Entry, *, name: str, digest: str) -> None:
    """Store a new token beside its `token.created` entry (which holds its id, role, scope and candidate)."""
    p = entry.payload
    conn.execute(
        t.tokens.insert(),
        {
            "id": p["id"],
            "name": name,
            "role": p["role"],
            "scope": p["scope"],
            "candidate": p["candidate"],
            "token_hash": digest,
            "created_at": entry.at,
            "grant_id": p.get("grant"),
        },
    )


def mark_revoked(conn: Connection, entry: Entry) -> None:
    conn.execute(update(t.tokens).where(t.tokens.c.id == entry.payload["id"]).values(revoked_at=entry.at))


def listing(conn: Connection) -> list[dict[str, Any]]:
    """Every token as an operator sees it (never its hash)."""
    rows = conn.execute(select(t.tokens).order_by(t.tokens.c.created_at)).all()
    return [{k: v for k, v in r._mapping.items() if k != "token_hash"} for r in rows]


#: last_used_at is for operators spotting idle or stolen tokens: minute precision is plenty, and writing it on
#: every submission would put one more UPDATE of one hot row in every transaction of election night
TOUCH_EVERY_SECONDS = 60.0
_touched: dict[str, float] = {}


def touch(conn: Connection, entry: Entry, *, token_id: str) -> None:
    """Note when a token was last used (at most once a minute per process)."""
    now = time.monotonic()
    if now - _touched.get(token_id, -TOUCH_EVERY_SECONDS) >= TOUCH_EVERY_SECONDS:
        conn.execute(update(t.tokens).where(t.tokens.c.id == token_id).values(last_used_at=entry.at))
        _touched[token_id] = now
