"""Failed bearer-token authentications counted per client address and per token prefix, so guessing tokens
gets a 429 with Retry-After instead of 435 answers a second.

Counted in fixed windows, per process (each worker of `rekap serve --workers N` counts its own). Only failures
count: a phone behind a carrier's NAT shares its address with thousands, and a token this process has already
authenticated passes without being counted or throttled (rekap/web/guard.py asks `Tokens.known` first).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from rekap.domain.errors import TooManyAttempts

logger = logging.getLogger("rekap.auth")
PREFIX_CHARS = 12  # "rk_" and the first 9 characters of a token's secret


@dataclass
class _Window:
    start: float
    failures: int


class AuthThrottle:
    """`limit` failures per `window` seconds for one address or one token prefix, then refused until the window
    ends. `clock` is injectable so tests need not sleep."""

    MAX_KEYS = 100_000  # beyond this many addresses and prefixes the oldest windows are forgotten

    def __init__(self, limit: int = 20, window: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._windows: dict[str, _Window] = {}
        self._lock = threading.Lock()
        self.failures_total = 0

    @staticmethod
    def keys(client: str, secret: str | None) -> tuple[str, ...]:
        keys = [f"ip:{client}"]
        if secret:
            keys.append(f"prefix:{secret[:PREFIX_CHARS]}")
        return tuple(keys)

    def check(self, keys: tuple[str, ...]) -> None:
        """Raise TooManyAttempts if any of `keys` has failed `limit` times in its current window."""
        now = self.clock()
        with self._lock:
            for key in keys:
                w = self._windows.get(key)
                if w is not None and now - w.start < self.window and w.failures >= self.limit:
                    wait = max(1, int(w.start + self.window - now + 0.999))
                    raise TooManyAttempts(
                        f"too many failed token checks; retry in {wait} s", field="Authorization",
                        extra={"retry_after": wait},
                    )  # fmt: skip

    def failed(self, keys: tuple[str, ...]) -> None:
        now = self.clock()
        with self._lock:
            self.failures_total += 1
            for key in keys:
                w = self._windows.get(key)
                if w is None or now - w.start >= self.window:
                    self._windows.pop(key, None)  # a new window goes last, so the oldest are forgotten first
                    if len(self._windows) >= self.MAX_KEYS:
                        del self._windows[next(iter(self._windows))]
                    w = self._windows[key] = _Window(now, 0)
                w.failures += 1
                if w.failures in (1, self.limit) or w.failures % (self.limit * 10) == 0:
                    logger.warning(
                        "failed token check for %s: %d in this %d s window (%d failures since start)",
                        key, w.failures, self.window, self.failures_total,
                    )  # fmt: skip
