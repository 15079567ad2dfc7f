"""Serialized public answers kept per process, valid while the log entries they depend on are unchanged.

The key's version comes from the committed read model in memory, so a hit costs a dict lookup and no
database round trip; the ETag is computed once per answer, not per request.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

#: Below this a compressed answer saves too little to be worth it (GZipMiddleware's default too).
GZIP_FROM = 1000


@dataclass(slots=True)
class Answer:
    body: bytes
    etag: str
    _gzipped: bytes | None = None
    built: float = field(default_factory=time.monotonic)
    max_stale: float = 0.0  # how old it may be served while the log is busy (its route's allowance; front.py)

    @classmethod
    def of(cls, body: bytes, max_stale: float = 0.0) -> Answer:
        return cls(body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"', max_stale=max_stale)

    def gzipped(self) -> bytes:
        """Compressed once, the first time a reader accepts it; a page then costs no gzip per request."""
        if self._gzipped is None:
            self._gzipped = gzip.compress(self.body, compresslevel=6, mtime=0)
        return self._gzipped


class AnswerCache:
    def __init__(self, max_entries: int = 8192) -> None:
        self._items: OrderedDict[Hashable, tuple[Hashable, float, Answer]] = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries

    def peek(self, key: Hashable, version: Hashable, max_stale: float = 0.0) -> Answer | None:
        """The answer for `version`; with `max_stale`, an older version's answer built less than that many
        seconds ago also does (a hot total under heavy ingest is then rebuilt a few times a second, not per read)."""
        with self._lock:
            hit = self._items.get(key)
            if hit is not None and (hit[0] == version or time.monotonic() - hit[1] < max_stale):
                self._items.move_to_end(key)
                return hit[2]
        return None

    def put(self, key: Hashable, version: Hashable, body: bytes, max_stale: float = 0.0) -> Answer:
        answer = Answer.of(body, max_stale)
        with self._lock:
            self._items[key] = (version, time.monotonic(), answer)
            self._items.move_to_end(key)
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)
        return answer

    def get(self, key: Hashable, version: Hashable, build: Callable[[], bytes], max_stale: float = 0.0) -> Answer:
        return self.peek(key, version, max_stale) or self.put(key, version, build(), max_stale)

    def fresh(self, key: Hashable, version: Hashable, busy: Callable[[], bool], max_stale: float) -> Answer | None:
        """The answer for `version`, or while `busy()` one up to `max_stale` seconds old (busy is asked only on a
        miss: counting how busy the log is is not free). Under heavy ingest every result changes the national
        version, so a hot answer is then rebuilt a few times a second rather than for every reader."""
        return self.peek(key, version) or (self.peek(key, version, max_stale) if busy() else None)

    def get_when_busy(
        self, key: Hashable, version: Hashable, build: Callable[[], bytes], busy: Callable[[], bool], max_stale: float
    ) -> Answer:
        """`get`, with `fresh`'s allowance for a busy log."""
        return self.fresh(key, version, busy, max_stale) or self.put(key, version, build(), max_stale)


@dataclass(frozen=True, slots=True)
class Representation:
    """What goes out for one request: 304 or 200, gzipped when the reader accepts it and it is worth it."""

    status: int
    headers: dict[str, str]  # all but the Content-Type and Content-Length
    body: bytes


def representation(
    answer: Answer,
    accepts_gzip: bool,
    if_none_match: str,
    max_age: int,
    extra: dict[str, str],
    private: bool = False,
    cached: bool = True,
) -> Representation:
    """The one way a public answer is shaped, by a route (`web/deps.py` etagged) or by the front copy: an ETag per
    representation, a cached answer gzipped from its compressed copy, a 304 when the reader has it already."""
    zipped = cached and len(answer.body) >= GZIP_FROM and accepts_gzip
    etag = answer.etag[:-1] + '-gz"' if zipped else answer.etag
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={max_age}", "Vary": "Accept-Encoding", **extra}
    if private:  # behind a login: no shared cache may keep it
        headers["Cache-Control"] = "private, no-store"
    if etag in if_none_match:
        return Representation(304, headers, b"")
    if zipped:
        headers["Content-Encoding"] = "gzip"
        return Representation(200, headers, answer.gzipped())
    return Representation(200, headers, answer.body)
