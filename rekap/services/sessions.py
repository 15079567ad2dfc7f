"""Logging in: passwords and PINs checked with Argon2id, failed attempts throttled per account and per address
(counted in the database, shared by every worker), sessions with an idle and an absolute expiry, logout here or
everywhere."""

from __future__ import annotations

import hashlib
import secrets

from rekap.domain.errors import LoginFailed, TooManyAttempts
from rekap.domain.people import Actor
from rekap.services.people import Clock, People
from rekap.services.throttles import Throttle
from rekap.store import people as stored
from rekap.store.db import Database

#: a session's last-seen time is written at most this often (not on every request)
TOUCH_EVERY = 60


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class Sessions:
    def __init__(
        self,
        db: Database,
        people: People,
        clock: Clock,
        idle: int = 12 * 3600,
        absolute: int = 3 * 86400,
        account_limit: int = 5,
        address_limit: int = 20,
        window: int = 900,
        lockout: int = 900,
    ) -> None:
        self.db, self.people, self.clock, self.idle, self.absolute = db, people, clock, idle, absolute
        # in the database: every worker of this machine counts the same failures (rekap/services/throttles.py)
        self.accounts = Throttle(db, clock, "login-account", account_limit, window, lockout)
        self.addresses = Throttle(db, clock, "login-address", address_limit, window, lockout)
        self._dummy_hash: str | None = None

    def check_throttle(self, account: str, address: str) -> None:
        wait = max(self.accounts.wait("a:" + account.strip().lower()), self.addresses.wait("ip:" + address))
        if wait:
            raise TooManyAttempts(
                f"too many failed attempts; try again in {wait} seconds", field="username", extra={"retry_after": wait}
            )

    def failed(self, account: str, address: str) -> None:
        self.accounts.failed("a:" + account.strip().lower())
        self.addresses.failed("ip:" + address)

    def login(self, login: str, password: str, address: str) -> tuple[str, str]:
        """(session secret, user id) for a right user name or phone and password; throttled."""
        self.check_throttle(login, address)
        with self.db.reader.connect() as conn:
            user = stored.user_by_login(conn, login.strip()) if login.strip() else None
        ok = user is not None and user.active and self.people.verify(user.secret_hash, password)
        if user is None:
            self.people.verify(self._dummy(), password)  # the same time whether the account exists or not
        if not ok or user is None:
            self.failed(login, address)
            raise LoginFailed("wrong user name, phone number or password", field="password")
        self.accounts.succeeded("a:" + login.strip().lower())
        return self.start(user.id), user.id

    def _dummy(self) -> str:
        """A hash with this instance's Argon2id parameters, verified for an unknown account."""
        if self._dummy_hash is None:
            self._dummy_hash = self.people.ph.hash(secrets.token_hex(8))
        return self._dummy_hash

    def start(self, user: str) -> str:
        secret = secrets.token_urlsafe(32)
        with self.db.writer.begin() as conn:
            stored.insert_session(conn, _digest(secret), user, self.clock())
        return secret

    def actor_of(self, secret: str | None) -> Actor | None:
        """The logged-in user and their live grants, or None if the session is unknown, ended or expired."""
        if not secret:
            return None
        digest, now = _digest(secret), self.clock()
        with self.db.reader.connect() as conn:
            found = stored.session_of(conn, digest)
            if found is None:
                return None
            user, created, seen = found
            if now - seen > self.idle or now - created > self.absolute:
                return None
            grants = stored.live_grants(conn, user)
        if now - seen >= TOUCH_EVERY:
            with self.db.writer.begin() as conn:
                stored.touch_session(conn, digest, now)
        return Actor(user, grants)

    def logout(self, secret: str) -> None:
        with self.db.writer.begin() as conn:
            stored.end_session(conn, _digest(secret), self.clock())

    def logout_everywhere(self, user: str) -> None:
        with self.db.writer.begin() as conn:
            stored.end_sessions(conn, user, self.clock())
