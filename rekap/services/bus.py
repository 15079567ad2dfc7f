"""In-process notification of committed log entries, for live pages (SSE) and anything else that listens."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from rekap.domain.fold import Changes
from rekap.domain.log import Entry


@dataclass(frozen=True, slots=True)
class Committed:
    seq: int
    at: str
    kinds: tuple[str, ...]
    totals: frozenset[tuple[str, str]]  # (region, contest) whose totals changed
    accepted: frozenset[tuple[str, str]]  # (tps, contest) whose accepted result changed
    submitted: frozenset[tuple[str, str]] = frozenset()  # (tps, contest) with any new submission


@dataclass
class Bus:
    _listeners: list[Callable[[Committed], None]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def subscribe(self, fn: Callable[[Committed], None]) -> Callable[[], None]:
        with self._lock:
            self._listeners.append(fn)

        def unsubscribe() -> None:
            with self._lock:
                if fn in self._listeners:
                    self._listeners.remove(fn)

        return unsubscribe

    def publish(self, entries: list[Entry], changes: Changes) -> None:
        event = Committed(
            entries[-1].seq,
            entries[-1].at,
            tuple(e.kind for e in entries),
            frozenset(changes.totals),
            frozenset(changes.accepted),
            frozenset((s.tps, s.contest) for s in changes.submissions),
        )
        with self._lock:
            listeners = list(self._listeners)
        for fn in listeners:
            fn(event)
