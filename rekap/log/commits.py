"""Who hears of committed entries: listeners subscribed at start-up, told right after each commit."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from rekap.domain.fold import Changes, LoggedSubmission
from rekap.domain.log import Entry


@dataclass(frozen=True, slots=True)
class Committed:
    """What one commit (this process's or, through the follower, another's) changed."""

    seq: int
    at: str
    kinds: tuple[str, ...]
    totals: frozenset[tuple[str, str]]  # (region, contest) whose totals changed
    accepted: frozenset[tuple[str, str]]  # (tps, contest) whose accepted result changed
    submitted: frozenset[tuple[str, str]] = frozenset()  # (tps, contest) with any new submission
    recaps: frozenset[tuple[str, str]] = frozenset()  # (region, contest) whose recap changed
    photo_reports: frozenset[tuple[str, str]] = frozenset()  # (tps, contest) with photos sent without numbers
    #: the commit's submissions and entries themselves: what a TPS's history in memory needs (tps_history.py)
    logged: tuple[LoggedSubmission, ...] = ()
    entries: tuple[Entry, ...] = ()

    @classmethod
    def of(cls, entries: list[Entry], changes: Changes) -> Committed:
        return cls(
            entries[-1].seq,
            entries[-1].at,
            tuple(e.kind for e in entries),
            frozenset(changes.totals),
            frozenset(changes.accepted),
            frozenset((s.tps, s.contest) for s in changes.submissions),
            frozenset(changes.recaps),
            frozenset(changes.photo_reports),
            tuple(changes.submissions),
            tuple(entries),
        )


Listener = Callable[[Committed], None]


class CommitFeed:
    """Listeners run on the writer's thread, still under its lock: they must be quick and never write."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    def subscribe(self, fn: Listener) -> Callable[[], None]:
        with self._lock:
            self._listeners.append(fn)

        def unsubscribe() -> None:
            with self._lock:
                if fn in self._listeners:
                    self._listeners.remove(fn)

        return unsubscribe

    def publish(self, entries: list[Entry], changes: Changes) -> None:
        event = Committed.of(entries, changes)
        with self._lock:
            listeners = list(self._listeners)
        for fn in listeners:
            fn(event)
