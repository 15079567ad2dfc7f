"""Rate limits as a pure rule over the times of earlier attempts: how long to wait before the next is allowed."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field


@dataclass
class Window:
    """At most `limit` attempts per key within `seconds`; the clock is the caller's (seconds, any origin)."""

    limit: int
    seconds: float
    _hits: dict[str, deque[float]] = field(default_factory=dict)

    def wait(self, key: str, now: float) -> float:
        """Seconds until `key` may try again (0: now), without counting an attempt."""
        hits = self._hits.get(key)
        if hits is None:
            return 0.0
        while hits and hits[0] <= now - self.seconds:
            hits.popleft()
        if not hits:
            del self._hits[key]
            return 0.0
        return max(0.0, hits[0] + self.seconds - now) if len(hits) >= self.limit else 0.0

    def hit(self, key: str, now: float) -> None:
        self._hits.setdefault(key, deque()).append(now)
        if len(self._hits) > 100_000:  # a flood of distinct keys: forget the oldest rather than grow without end
            del self._hits[next(iter(self._hits))]
