"""Throttling failed attempts — logins, activation codes, token checks — with the count kept in the database, so
that the workers of `rekap serve --workers N` (and any machine on the same database) share one budget instead of
granting an attacker N of them.

Only an attempt that is throttled at all touches the table: a login or an activation (which read the database
anyway), a bearer token this process does not know yet. A known token, a session and every public read pass
without it. A lock this process has seen is remembered here until it ends, so a flood from a locked address is
refused without a query."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable

from rekap.store import throttles as stored
from rekap.store.db import Database

Clock = Callable[[], int]
#: locks remembered in this process at most; beyond, the oldest are forgotten (the table still has them)
MAX_REMEMBERED = 100_000


class Throttle:
    """`limit` failures of one key within `window` seconds lock it for `lockout` seconds."""

    def __init__(self, db: Database, clock: Clock, name: str, limit: int, window: int, lockout: int) -> None:
        self.db, self.clock, self.name = db, clock, name
        self.limit, self.window, self.lockout = limit, window, lockout
        self._locked: dict[str, int] = {}  # key digest → end of its lock, as this process last saw it
        self._pruned = 0
        self._guard = threading.Lock()

    def _digest(self, key: str) -> str:
        return hashlib.sha256(f"{self.name}\0{key}".encode()).hexdigest()

    def wait(self, *keys: str) -> int:
        """Seconds until every one of `keys` may try again (0: now)."""
        now, digests = self.clock(), [self._digest(k) for k in keys]
        with self._guard:
            known = max((self._locked.get(d, 0) for d in digests), default=0)
        if known > now:
            return known - now
        with self.db.reader.connect() as conn:
            locked = stored.locks(conn, digests, now)
        for d, until in locked.items():
            self._remember(d, until)
        return max((until - now for until in locked.values()), default=0)

    def failed(self, *keys: str) -> list[int]:
        """Count a failure of each key; the count each has now in its window (`limit`: it is locked from now)."""
        now, counts = self.clock(), []
        with self.db.writer.begin() as conn:
            for d in (self._digest(k) for k in keys):
                n = stored.count_failure(conn, d, now, self.window)
                if n >= self.limit:
                    stored.lock(conn, d, now + self.lockout, self.window)
                    self._remember(d, now + self.lockout)
                counts.append(n)
            if now - self._pruned >= self.window:
                self._pruned = now
                stored.prune(conn, now)
        return counts

    def succeeded(self, key: str) -> None:
        """A right password: the account's failures are forgotten (its address's are not)."""
        d = self._digest(key)
        with self._guard:
            self._locked.pop(d, None)
        with self.db.writer.begin() as conn:
            stored.forget(conn, d)

    def _remember(self, digest: str, until: int) -> None:
        with self._guard:
            self._locked.pop(digest, None)  # re-inserted last, so the oldest are forgotten first
            if len(self._locked) >= MAX_REMEMBERED:
                del self._locked[next(iter(self._locked))]
            self._locked[digest] = until


class FailedAttempts:
    """The throttles of one database and clock (the composition root builds one)."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db, self.clock = db, clock

    def throttle(self, name: str, limit: int, window: int, lockout: int) -> Throttle:
        return Throttle(self.db, self.clock, name, limit, window, lockout)
