"""The front copy: public answers served by the guard itself, before any routing, while nothing they show can have
changed.

A crowd opening the same pages costs the whole of FastAPI per request (routing, dependencies, the permission check,
the version of each answer) even when the answer is a cached one. Here a repeat costs one dict lookup: an answer
kept at log position N is served as it is while this process has folded nothing after N (or, while the log is busy,
for as long as its route lets it be old: a page a second, a total a tenth), and at most a second in any case, so a
page that shows the day's stage or a clock is still rebuilt by its route. What a reader sees is the same bytes,
headers and ETag the route gave.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import Scope

from rekap.web.cache import Answer, Representation, representation

#: how long a kept answer may be served without its route looking at it (the pages' `max-age` is 2 s)
KEEP_SECONDS = 1.0
SEQ_AT_ARRIVAL = "front_seq"


@dataclass(frozen=True, slots=True)
class Kept:
    answer: Answer
    media_type: str
    max_age: int
    extra_headers: tuple[tuple[str, str], ...]
    seq: int
    at: float
    #: whether what the answer shows is unchanged though the log moved (a TPS's answer: no new entry of that TPS)
    unchanged: Callable[[], bool] | None = None


class Front:
    def __init__(
        self, seq: Callable[[], int], busy: Callable[[], bool], session_cookie: str, max_entries: int = 4096
    ) -> None:
        self.seq, self.busy, self.session_cookie = seq, busy, session_cookie + "="
        self.max_entries = max_entries
        self._kept: OrderedDict[tuple[str, str, str], Kept] = OrderedDict()
        self._lock = threading.Lock()  # kept from a route's thread, read on the event loop

    def keep(
        self,
        scope: Scope,
        answer: Answer,
        media_type: str,
        max_age: int,
        extra: dict[str, str],
        unchanged: Callable[[], bool] | None = None,
    ) -> None:
        """A route's public answer, as the next identical request may be given it: kept at the log position its
        request came in at (`mark`), so a commit folded while it was built makes it stale at once, unless
        `unchanged()` says the version it was built for is still the current one."""
        seq = scope.get("state", {}).get(SEQ_AT_ARRIVAL)
        key = self._key(scope, _headers(scope))
        if key is None or seq is None:
            return
        kept = Kept(answer, media_type, max_age, tuple(extra.items()), seq, time.monotonic(), unchanged)
        with self._lock:
            self._kept[key] = kept
            self._kept.move_to_end(key)
            while len(self._kept) > self.max_entries:
                self._kept.popitem(last=False)

    def mark(self, scope: Scope) -> None:
        """Notes the log position a request came in at (in its state, which routes see as `request.state`)."""
        scope.setdefault("state", {})[SEQ_AT_ARRIVAL] = self.seq()

    def _key(self, scope: Scope, headers: dict[bytes, str]) -> tuple[str, str, str] | None:
        """Path, query and host (a page may name its own address); None for a request whose answer may be personal."""
        if b"authorization" in headers or self.session_cookie in headers.get(b"cookie", ""):
            return None
        return scope["path"], scope.get("query_string", b"").decode("latin-1"), headers.get(b"host", "")

    def answer(self, scope: Scope) -> tuple[str, Representation] | None:
        """The kept answer for this request (its media type and representation), if it is still what its route
        would give."""
        headers = _headers(scope)
        key = self._key(scope, headers)
        if key is None:
            return None
        kept = self._kept.get(key)
        if kept is None:
            return None
        now = time.monotonic()
        if now - kept.at >= KEEP_SECONDS:
            return None
        if (
            kept.seq != self.seq()
            and not (kept.unchanged is not None and kept.unchanged())
            and not (now - kept.answer.built < kept.answer.max_stale and self.busy())
        ):
            return None  # the log moved: only an answer its route lets be a little old, and only while it is busy
        return kept.media_type, representation(
            kept.answer,
            accepts_gzip="gzip" in headers.get(b"accept-encoding", ""),
            if_none_match=headers.get(b"if-none-match", ""),
            max_age=kept.max_age,
            extra=dict(kept.extra_headers),
        )


def _headers(scope: Scope) -> dict[bytes, str]:
    return {k: v.decode("latin-1") for k, v in scope["headers"]}
