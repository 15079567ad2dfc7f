"""Failed bearer-token authentications counted per client address and per token prefix, so guessing tokens
gets a 429 with Retry-After instead of 435 answers a second.

Counted in the database (rekap/services/throttles.py), so the workers of `rekap serve --workers N` share one
budget. Only failures count: a phone behind a carrier's NAT shares its address with thousands, and a token this
process has already authenticated passes without being counted or throttled (rekap/web/guard.py asks
`Tokens.known` first).
"""

from __future__ import annotations

import logging

from rekap.domain.errors import TooManyAttempts
from rekap.services.throttles import Throttle

logger = logging.getLogger("rekap.auth")
PREFIX_CHARS = 12  # "rk_" and the first 9 characters of a token's secret


class AuthThrottle:
    """`counter`'s limit of failures per window for one address or one token prefix, then refused for its
    lockout. Both calls read or write the database: call them off the event loop."""

    def __init__(self, counter: Throttle) -> None:
        self.counter = counter
        self.failures_total = 0  # this process's, for the log

    @staticmethod
    def keys(client: str, secret: str | None) -> tuple[str, ...]:
        keys = [f"ip:{client}"]
        if secret:
            keys.append(f"prefix:{secret[:PREFIX_CHARS]}")
        return tuple(keys)

    def check(self, keys: tuple[str, ...]) -> None:
        """Raise TooManyAttempts if any of `keys` is locked."""
        wait = self.counter.wait(*keys)
        if wait:
            raise TooManyAttempts(
                f"too many failed token checks; retry in {wait} s", field="Authorization", extra={"retry_after": wait}
            )

    def failed(self, keys: tuple[str, ...]) -> None:
        self.failures_total += 1
        limit = self.counter.limit
        for key, n in zip(keys, self.counter.failed(*keys), strict=True):
            if n in (1, limit) or n % (limit * 10) == 0:
                logger.warning(
                    "failed token check for %s: %d in this %d s window (%d failures in this process since start)",
                    key, n, self.counter.window, self.failures_total,
                )  # fmt: skip
