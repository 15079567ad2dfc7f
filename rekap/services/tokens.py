"""API tokens for machines and field apps: shown once, stored only as a SHA-256, revocable."""

from __future__ import annotations

import hashlib
import secrets
import threading
from dataclasses import dataclass
from functools import partial
from typing import Any

from rekap.domain.access import check_token_request, plan_token_created, plan_token_revoked, reporter_of
from rekap.domain.errors import Unauthorized
from rekap.domain.regions import NATION
from rekap.domain.submission import Reporter
from rekap.log.commands import Command
from rekap.log.commits import Committed
from rekap.log.writer import LogWriter
from rekap.store import tokens as stored
from rekap.store.db import Database


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
        return reporter_of(self.actor, self.role, self.scope, self.candidate)


def _digest(secret: str) -> str:
    # tokens carry 256 random bits, so a fast hash is enough at rest (no password to brute-force)
    return hashlib.sha256(secret.encode()).hexdigest()


class _KnownTokens:
    """The tokens this process has authenticated, by digest, so most requests need no database read. Any
    `token.revoked` entry this process commits, or folds from another worker (the follower hears of each
    commit), empties it: a revoked token is refused at once here and within a moment in the other workers."""

    #: a national election has a token per TPS; beyond this many the oldest are forgotten (and re-read)
    MAX = 100_000

    def __init__(self) -> None:
        self.by_digest: dict[str, TokenInfo] = {}
        self.generation = 0  # bumped by every revocation: a read that raced one must not refill the cache
        self._lock = threading.Lock()

    def forget_all(self) -> None:
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


#: entries after which a cached token may be dead: a revocation, or the end of the grant it was issued under
_ENDING_TOKENS = frozenset({"token.revoked", "grant.revoked", "user.deactivated"})


class Tokens:
    def __init__(self, writer: LogWriter, db: Database) -> None:
        self.writer, self.db = writer, db
        self._known = _KnownTokens()

    def heard(self, event: Committed) -> None:
        """A commit: a revocation empties the cache (subscribed to the writer's feed at start-up)."""
        if not _ENDING_TOKENS.isdisjoint(event.kinds):
            self._known.forget_all()

    def create(
        self,
        name: str,
        role: str,
        actor: str,
        scope: str = NATION,
        candidate: int | None = None,
        grant: str | None = None,
    ) -> tuple[TokenInfo, str]:
        """A new token; `grant` is the grant of the user who issues it (the token dies with it)."""
        check_token_request(role, name, candidate)
        info = TokenInfo(secrets.token_hex(8), name.strip(), role, scope, candidate if role == "witness" else None)
        secret = "rk_" + secrets.token_urlsafe(32)
        plan = partial(plan_token_created, token_id=info.id, role=role, scope=scope, candidate=info.candidate,
                       actor=actor, grant=grant)  # fmt: skip
        self.writer.append(Command(plan, (partial(stored.insert, name=info.name, digest=_digest(secret)),)))
        return info, secret

    def revoke(self, token_id: str, actor: str) -> None:
        with self.db.reader.connect() as conn:
            known = stored.exists(conn, token_id)
        plan = partial(plan_token_revoked, token_id=token_id, known=known, actor=actor)
        self.writer.append(Command(plan, (stored.mark_revoked,)))

    def known(self, secret: str | None) -> TokenInfo | None:
        """The token of `secret` if this process knows it already: no database read, so an event loop may ask."""
        return self._known.by_digest.get(_digest(secret)) if secret else None

    def authenticate(self, secret: str | None) -> TokenInfo:
        if not secret:
            raise Unauthorized("send Authorization: Bearer <token>")
        digest = _digest(secret)
        info = self._known.by_digest.get(digest)
        if info is not None:
            return info
        generation = self._known.generation
        with self.db.reader.connect() as conn:
            row = stored.by_digest(conn, digest)
        if row is None or row.revoked:
            raise Unauthorized("token unknown or revoked")
        info = TokenInfo(row.id, row.name, row.role, row.scope, row.candidate)
        self._known.remember(digest, info, generation)
        return info

    def listing(self) -> list[dict[str, Any]]:
        with self.db.reader.connect() as conn:
            return stored.listing(conn)
