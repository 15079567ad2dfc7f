"""API tokens for machines and field apps: shown once, stored only as a SHA-256, revocable."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, select, update

from rekap.domain.errors import InvalidInput, NotFound, Unauthorized
from rekap.domain.fold import State
from rekap.domain.log import Draft
from rekap.domain.regions import NATION
from rekap.domain.result import Source
from rekap.domain.submission import Reporter
from rekap.services.bus import Committed
from rekap.services.context import Context
from rekap.store import tables as t
from rekap.store.ledger import Command, Ledger

ROLES = ("admin", "operator", "officer", "witness", "volunteer", "importer")
_SOURCE_OF_ROLE = {
    "admin": "officer",
    "operator": "officer",
    "officer": "officer",
    "witness": "witness",
    "volunteer": "volunteer",
    "importer": "import",
}


@dataclass(frozen=True)
class TokenInfo:
    id: str
    name: str
    role: str
    scope: str
    candidate: int | None

    @property
    def actor(self) -> str:
        return f"token:{self.id}"

    def reporter(self) -> Reporter:
        source = Source(_SOURCE_OF_ROLE[self.role], self.candidate if self.role == "witness" else None)
        return Reporter(self.actor, source, self.scope, verifies=self.role in ("admin", "operator"))


def _digest(secret: str) -> str:
    # tokens carry 256 random bits, so a fast hash is enough at rest (no password to brute-force)
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    ctx: Context, name: str, role: str, actor: str, scope: str = NATION, candidate: int | None = None
) -> tuple[TokenInfo, str]:
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}", field="role")
    if role == "witness" and candidate is None:
        raise InvalidInput("a witness token needs the candidate number it witnesses for", field="candidate")
    if not name.strip():
        raise InvalidInput("a token needs a name", field="name")
    info = TokenInfo(secrets.token_hex(8), name.strip(), role, scope, candidate if role == "witness" else None)
    secret = "rk_" + secrets.token_urlsafe(32)

    def plan(state: State) -> Draft:
        if scope not in state.regions:
            raise InvalidInput(f"scope {scope} is not a known region", field="scope")
        return Draft(
            "token.created",
            # the holder's name stays out of the public log: it may be a person's name
            {"id": info.id, "role": role, "scope": scope, "candidate": info.candidate},
            actor,
        )

    def store(conn, entry, _state) -> None:  # type: ignore[no-untyped-def]
        conn.execute(
            t.tokens.insert(),
            {
                "id": info.id,
                "name": info.name,
                "role": role,
                "scope": scope,
                "candidate": info.candidate,
                "token_hash": _digest(secret),
                "created_at": entry.at,
            },
        )

    ctx.ledger.append(Command(plan, store))
    return info, secret


def revoke_token(ctx: Context, token_id: str, actor: str) -> None:
    with ctx.db.reader.connect() as conn:
        row = conn.execute(select(t.tokens.c.revoked_at).where(t.tokens.c.id == token_id)).first()
    if row is None:
        raise NotFound(f"no token {token_id}", field="id")

    def mark(conn, entry, _state) -> None:  # type: ignore[no-untyped-def]
        conn.execute(update(t.tokens).where(t.tokens.c.id == token_id).values(revoked_at=entry.at))

    ctx.ledger.append(Command(lambda _s: Draft("token.revoked", {"id": token_id}, actor), mark))


class _KnownTokens:
    """The tokens one process has authenticated, by digest, so most requests need no database read. Any
    `token.revoked` entry this process commits, or folds from another worker (the follower hears of each
    commit), empties it: a revoked token is refused at once here and within a moment in the other workers."""

    #: a national election has a token per TPS; beyond this many the oldest are forgotten (and re-read)
    MAX = 100_000

    def __init__(self) -> None:
        self.by_digest: dict[str, TokenInfo] = {}
        self.generation = 0  # bumped by every revocation: a read that raced one must not refill the cache
        self._lock = threading.Lock()

    def heard(self, event: Committed) -> None:
        if "token.revoked" in event.kinds:
            with self._lock:
                self.by_digest.clear()
                self.generation += 1

    def remember(self, digest: str, info: TokenInfo, generation: int) -> None:
        with self._lock:
            if generation != self.generation:
                return
            if len(self.by_digest) >= self.MAX:
                del self.by_digest[next(iter(self.by_digest))]
            self.by_digest[digest] = info


_known: WeakKeyDictionary[Ledger, _KnownTokens] = WeakKeyDictionary()  # one per database a process writes to
_known_lock = threading.Lock()


def _known_tokens(ctx: Context) -> _KnownTokens:
    known = _known.get(ctx.ledger)
    if known is None:
        with _known_lock:
            known = _known.get(ctx.ledger)
            if known is None:
                known = _known[ctx.ledger] = _KnownTokens()
                ctx.bus.subscribe(known.heard)
    return known


def known_token(ctx: Context, secret: str | None) -> TokenInfo | None:
    """The token of `secret` if this process knows it already: no database read, so an event loop may ask."""
    return _known_tokens(ctx).by_digest.get(_digest(secret)) if secret else None


def authenticate(ctx: Context, secret: str | None) -> TokenInfo:
    if not secret:
        raise Unauthorized("send Authorization: Bearer <token>")
    digest = _digest(secret)
    known = _known_tokens(ctx)
    info = known.by_digest.get(digest)
    if info is not None:
        return info
    generation = known.generation
    with ctx.db.reader.connect() as conn:
        row = conn.execute(select(t.tokens).where(t.tokens.c.token_hash == digest)).first()
    if row is None or row.revoked_at is not None:
        raise Unauthorized("token unknown or revoked")
    info = TokenInfo(row.id, row.name, row.role, row.scope, row.candidate)
    known.remember(digest, info, generation)
    return info


def list_tokens(ctx: Context) -> list[dict[str, object]]:
    with ctx.db.reader.connect() as conn:
        rows = conn.execute(select(t.tokens).order_by(t.tokens.c.created_at)).all()
    return [{k: v for k, v in r._mapping.items() if k != "token_hash"} for r in rows]


#: last_used_at is for operators spotting idle or stolen tokens: minute precision is plenty, and writing it on
#: every submission would put one more UPDATE of one hot row in every transaction of election night
TOUCH_EVERY_SECONDS = 60.0
_touched: dict[str, float] = {}


def touch_token(conn: Connection, token_id: str, at: str) -> None:
    now = time.monotonic()
    if now - _touched.get(token_id, -TOUCH_EVERY_SECONDS) >= TOUCH_EVERY_SECONDS:
        conn.execute(update(t.tokens).where(t.tokens.c.id == token_id).values(last_used_at=at))
        _touched[token_id] = now
