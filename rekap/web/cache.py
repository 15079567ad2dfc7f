"""Serialized public answers kept per process, valid while the log entries they depend on are unchanged.

The key's version comes from the in-memory fold (kept current by this process's writes and by the
follower), so a hit costs a dict lookup and no database round trip.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable


class AnswerCache:
    def __init__(self, max_entries: int = 4096) -> None:
        self._items: OrderedDict[Hashable, tuple[Hashable, float, bytes]] = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries

    def get(self, key: Hashable, version: Hashable, build: Callable[[], bytes], max_stale: float = 0.0) -> bytes:
        """The answer for `version`; with `max_stale`, an older version's answer built less than that many
        seconds ago also does (a hot total under heavy ingest is then rebuilt a few times a second, not per read)."""
        now = time.monotonic()
        with self._lock:
            hit = self._items.get(key)
            if hit is not None and (hit[0] == version or now - hit[1] < max_stale):
                self._items.move_to_end(key)
                return hit[2]
        body = build()
        with self._lock:
            self._items[key] = (version, now, body)
            self._items.move_to_end(key)
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)
        return body
