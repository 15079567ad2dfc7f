"""The people tables: users (names, phones, Argon2id hashes), their grants, login sessions and activation codes.

Internal only: nothing here is published. The grants' ids, roles and scopes are also in the log; these rows add
who holds them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select, update

from rekap.domain.grants import Grant
from rekap.domain.log import Entry
from rekap.domain.result import Source
from rekap.store import tables as t


@dataclass(frozen=True)
class UserRow:
    id: str
    name: str
    username: str | None
    phone: str | None
    secret_hash: str | None
    active: bool


@dataclass(frozen=True)
class NewUser:
    id: str
    name: str
    username: str | None
    phone: str | None


def _user(row: Any) -> UserRow:
    return UserRow(row.id, row.name, row.username, row.phone, row.secret_hash, row.deactivated_at is None)


def user_by_login(conn: Connection, login: str) -> UserRow | None:
    """The user whose user name or phone number is `login`."""
    row = conn.execute(select(t.users).where(or_(t.users.c.username == login, t.users.c.phone == login))).first()
    return _user(row) if row is not None else None


def user_by_id(conn: Connection, user_id: str) -> UserRow | None:
    row = conn.execute(select(t.users).where(t.users.c.id == user_id)).first()
    return _user(row) if row is not None else None


def taken(conn: Connection, usernames: Sequence[str], phones: Sequence[str]) -> set[str]:
    """Which of these user names and phone numbers someone has already."""
    out: set[str] = set()
    for col, values in ((t.users.c.username, usernames), (t.users.c.phone, phones)):
        for i in range(0, len(values), 1000):
            out.update(r[0] for r in conn.execute(select(col).where(col.in_(values[i : i + 1000]))))
    return out


def live_grants(conn: Connection, user_id: str) -> tuple[Grant, ...]:
    rows = conn.execute(
        select(t.grants)
        .where(t.grants.c.user_id == user_id, t.grants.c.revoked_at.is_(None))
        .order_by(t.grants.c.given_at, t.grants.c.id)
    ).all()
    return tuple(Grant(r.id, r.user_id, r.role, r.scope, r.candidate) for r in rows)


def grant_is_live(conn: Connection, grant_id: str) -> bool:
    q = (
        select(t.grants.c.id)
        .join(t.users, t.users.c.id == t.grants.c.user_id)
        .where(t.grants.c.id == grant_id, t.grants.c.revoked_at.is_(None), t.users.c.deactivated_at.is_(None))
    )
    return conn.execute(q).first() is not None


def grant_by_id(conn: Connection, grant_id: str) -> Grant | None:
    r = conn.execute(select(t.grants).where(t.grants.c.id == grant_id)).first()
    return Grant(r.id, r.user_id, r.role, r.scope, r.candidate) if r is not None and r.revoked_at is None else None


# --- writes, run in the transaction of the entry they go with ---


def insert_users(conn: Connection, entry: Entry, *, users: Sequence[NewUser]) -> None:
    if users:
        conn.execute(
            t.users.insert(),
            [
                {
                    "id": u.id,
                    "name": u.name,
                    "username": u.username,
                    "phone": u.phone,
                    "created_at": entry.at,
                    "created_by": entry.actor,
                }
                for u in users
            ],
        )


def insert_grants(conn: Connection, entry: Entry) -> None:
    rows = entry.payload["rows"]
    conn.execute(
        t.grants.insert(),
        [
            {
                "id": g,
                "user_id": u,
                "role": r,
                "scope": s,
                "candidate": c,
                "given_at": entry.at,
                "given_by": entry.actor,
            }
            for g, u, r, s, c in rows
        ],
    )


def insert_codes(conn: Connection, entry: Entry, *, codes: Sequence[tuple[str, str]], now: int, expires: int) -> None:
    replace_codes(conn, codes, now, expires)


def replace_codes(conn: Connection, codes: Sequence[tuple[str, str]], now: int, expires: int) -> None:
    """New activation codes (SHA-256, user id); any code the users had before stops working."""
    users = [u for _, u in codes]
    for i in range(0, len(users), 1000):
        conn.execute(
            update(t.activation_codes)
            .where(
                t.activation_codes.c.user_id.in_(users[i : i + 1000]),
                t.activation_codes.c.used.is_(None),
                t.activation_codes.c.revoked.is_(None),
            )
            .values(revoked=now)
        )
    if codes:
        conn.execute(
            t.activation_codes.insert(),
            [{"code_hash": h, "user_id": u, "created": now, "expires": expires} for h, u in codes],
        )


def mark_grant_revoked(conn: Connection, entry: Entry) -> None:
    gid = entry.payload["id"]
    conn.execute(update(t.grants).where(t.grants.c.id == gid).values(revoked_at=entry.at))
    conn.execute(update(t.tokens).where(t.tokens.c.grant_id == gid).values(revoked_at=entry.at))


def mark_user_deactivated(conn: Connection, entry: Entry, *, now: int) -> None:
    uid = entry.payload["user"]
    conn.execute(update(t.users).where(t.users.c.id == uid).values(deactivated_at=entry.at))
    grant_ids = select(t.grants.c.id).where(t.grants.c.user_id == uid).scalar_subquery()
    conn.execute(
        update(t.tokens)
        .where(t.tokens.c.grant_id.in_(grant_ids), t.tokens.c.revoked_at.is_(None))
        .values(revoked_at=entry.at)
    )
    conn.execute(
        update(t.grants).where(t.grants.c.user_id == uid, t.grants.c.revoked_at.is_(None)).values(revoked_at=entry.at)
    )
    end_sessions(conn, uid, now)
    conn.execute(
        update(t.activation_codes)
        .where(t.activation_codes.c.user_id == uid, t.activation_codes.c.used.is_(None))
        .values(revoked=now)
    )


def set_secret(conn: Connection, user_id: str, secret_hash: str | None) -> None:
    conn.execute(update(t.users).where(t.users.c.id == user_id).values(secret_hash=secret_hash))


def mark_activated(conn: Connection, entry: Entry, *, code_hash: str, secret_hash: str, now: int) -> None:
    uid = entry.payload["user"]
    conn.execute(update(t.activation_codes).where(t.activation_codes.c.code_hash == code_hash).values(used=now))
    conn.execute(update(t.users).where(t.users.c.id == uid).values(secret_hash=secret_hash, activated_at=entry.at))


def code_owner(conn: Connection, code_hash: str, now: int) -> str | None:
    """The user of a usable code (not used, revoked or expired)."""
    row = conn.execute(
        select(t.activation_codes.c.user_id).where(
            t.activation_codes.c.code_hash == code_hash,
            t.activation_codes.c.used.is_(None),
            t.activation_codes.c.revoked.is_(None),
            t.activation_codes.c.expires > now,
        )
    ).first()
    return row[0] if row is not None else None


# --- sessions ---


def insert_session(conn: Connection, id_hash: str, user_id: str, now: int) -> None:
    conn.execute(t.sessions.insert(), {"id_hash": id_hash, "user_id": user_id, "created": now, "seen": now})


def session_of(conn: Connection, id_hash: str) -> tuple[str, int, int] | None:
    """(user id, created, last seen) of a session that has not ended and whose user is active."""
    row = conn.execute(
        select(t.sessions.c.user_id, t.sessions.c.created, t.sessions.c.seen)
        .join(t.users, t.users.c.id == t.sessions.c.user_id)
        .where(t.sessions.c.id_hash == id_hash, t.sessions.c.ended.is_(None), t.users.c.deactivated_at.is_(None))
    ).first()
    return (row[0], int(row[1]), int(row[2])) if row is not None else None


def touch_session(conn: Connection, id_hash: str, now: int) -> None:
    conn.execute(update(t.sessions).where(t.sessions.c.id_hash == id_hash).values(seen=now))


def end_session(conn: Connection, id_hash: str, now: int) -> None:
    conn.execute(
        update(t.sessions).where(t.sessions.c.id_hash == id_hash, t.sessions.c.ended.is_(None)).values(ended=now)
    )


def end_sessions(conn: Connection, user_id: str, now: int) -> None:
    conn.execute(
        update(t.sessions).where(t.sessions.c.user_id == user_id, t.sessions.c.ended.is_(None)).values(ended=now)
    )


# --- what an operator sees ---


def people_in(conn: Connection, scopes: Sequence[str], limit: int = 500) -> list[dict[str, Any]]:
    """Users holding a grant within any of `scopes` (region or TPS codes), with their grants."""
    conds: list[Any] = []
    for s in scopes:
        if s == "ID":
            conds = [t.grants.c.scope.is_not(None)]
            break
        conds += [t.grants.c.scope == s, t.grants.c.scope.like(s + ".%"), t.grants.c.scope.like(s + "-%")]
    if not conds:
        return []
    q = (
        select(
            t.users.c.id,
            t.users.c.name,
            t.users.c.phone,
            t.users.c.username,
            t.users.c.activated_at,
            t.users.c.deactivated_at,
            t.grants.c.id.label("grant"),
            t.grants.c.role,
            t.grants.c.scope,
            t.grants.c.candidate,
        )
        .join(t.grants, t.grants.c.user_id == t.users.c.id)
        .where(or_(*conds), t.grants.c.revoked_at.is_(None))
        .order_by(t.grants.c.scope, t.users.c.name)
        .limit(limit)
    )
    return [dict(r._mapping) for r in conn.execute(q)]


def officers_of(conn: Connection, kelurahan: str) -> dict[str, list[dict[str, Any]]]:
    """The people with a live grant for each TPS of a kelurahan, by TPS code (for the call list)."""
    q = (
        select(t.grants.c.scope, t.grants.c.role, t.users.c.name, t.users.c.phone, t.users.c.activated_at)
        .join(t.users, t.users.c.id == t.grants.c.user_id)
        .where(
            and_(t.grants.c.scope.like(kelurahan + "-%"), t.grants.c.revoked_at.is_(None)),
            t.users.c.deactivated_at.is_(None),
        )
        .order_by(t.grants.c.scope, t.users.c.name)
    )
    out: dict[str, list[dict[str, Any]]] = {}
    for r in conn.execute(q):
        out.setdefault(r.scope, []).append(dict(r._mapping))
    return out


def count_users(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(t.users)).scalar_one())


def insert_photo_report(conn: Connection, entry: Entry) -> None:
    p = entry.payload
    conn.execute(
        t.photo_reports.insert(),
        {"seq": entry.seq, "tps": p["tps"], "contest": p["contest"], "photos": " ".join(p["photos"]),
         "source": Source(p["source"]["kind"], p["source"]["candidate"]).label, "actor": entry.actor,
         "at": entry.at},
    )  # fmt: skip


def photo_reports_of(conn: Connection, tps: str) -> list[dict[str, Any]]:
    q = select(t.photo_reports).where(t.photo_reports.c.tps == tps).order_by(t.photo_reports.c.seq)
    return [dict(r._mapping) for r in conn.execute(q)]
