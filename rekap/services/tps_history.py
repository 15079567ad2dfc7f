"""The submission histories of the TPS this process showed lately or that got their first results lately, kept
current from the committed entries, so a TPS page that a new result made stale is built again without a query.

Under full ingest (the bench's reads) a TPS page's query waited 30–80 ms at the median, 90–500 ms at the 99th
percentile, for a connection and the busy server, while building the page from its history takes a quarter of a
millisecond. Only committed entries come in (the feed is
told after the commit), so a page built from here shows nothing uncommitted. The number of histories is bounded:
a national election's every TPS would not fit in every worker.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import replace

from rekap.domain.fold import LoggedSubmission, State
from rekap.log.commits import Committed
from rekap.log.writer import LogWriter
from rekap.services.read_model import ReadModel
from rekap.store.projection import accepted_values, submission_values
from rekap.store.results import TpsHistory, accepted_from_values, submission_from_values

log = logging.getLogger(__name__)

#: histories kept per process: a few KB each with a few submissions (tests/test_tps_history.py bounds it at 6 KB)
MAX_HISTORIES = 20_000
#: the kinds that change a TPS's own row (its DPT, address): every history is read again
TPS_ROW_KINDS = frozenset({"tps.imported"})
#: actors whose role is known (a token's or a grant's role never changes)
MAX_ROLES = 100_000


class TpsHistories:
    def __init__(self, writer: LogWriter, model: ReadModel, max_histories: int = MAX_HISTORIES) -> None:
        self.writer, self.model, self.max_histories = writer, model, max_histories
        self._items: OrderedDict[str, TpsHistory] = OrderedDict()
        self._roles: dict[str, str | None] = {}
        self._lock = threading.Lock()
        #: the last commit heard (or, before any, the read model's when a history was first kept): a commit that does
        #: not follow it means entries folded without us
        self._seq: int | None = None
        self.generation = 0  # bumped when everything is forgotten: a query that raced it is not kept

    def __len__(self) -> int:
        return len(self._items)

    def get(self, code: str) -> TpsHistory | None:
        with self._lock:
            h = self._items.get(code)
            if h is not None:
                self._items.move_to_end(code)
            return h

    def mark(self) -> tuple[int, int]:
        """Taken before a query: `remember` keeps its history only if no commit touched the TPS meanwhile."""
        # loaded here, not in `remember`: loading takes the writer's lock, which `heard` holds while it takes ours
        self.model.structure  # noqa: B018
        return self.model.seq, self.generation

    def remember(self, code: str, history: TpsHistory, before: tuple[int, int]) -> None:
        """A history read from the database after `mark` gave `before`."""
        with self._lock:
            for s in history.submissions:
                self._learn(s.actor, s.role)
            # a commit heard since may be in the rows or not: the next query will tell
            if before[1] != self.generation or self.model.tps_version(code)[0] > before[0]:
                return
            if self._seq is None:
                self._seq = self.model.seq
            self._put(code, history)

    def heard(self, event: Committed) -> None:
        """A commit, after the read model heard it (on the writer's thread, under its lock)."""
        try:
            self._heard(event)
        except Exception:  # raised here it would fail a write that is already committed
            log.exception("TPS histories forgotten after commit %d", event.seq)
            with self._lock:
                self._forget_all()

    def _heard(self, event: Committed) -> None:
        state = self.writer.peek()
        with self._lock:
            follows = self._seq is None or event.seq - len(event.kinds) == self._seq
            self._seq = event.seq
            if state is None or not follows or TPS_ROW_KINDS.intersection(event.kinds):
                self._forget_all()  # entries missed (a reload), or TPS rows replaced
                return
            for e in event.entries:
                if e.kind == "token.created":
                    self._learn(f"token:{e.payload['id']}", e.payload["role"])
            hashes = {e.seq: e.hash for e in event.entries}
            first = self.model.first_heard
            for s in event.logged:
                self._add(state, s, hashes[s.seq], first)
            for tps, contest in event.accepted:
                self._accepted_changed(state, tps, contest)

    def _add(self, state: State, s: LoggedSubmission, entry_hash: str, first: frozenset[str]) -> None:
        h = self._items.get(s.tps)
        if h is None:
            if s.tps not in first:
                return  # its earlier submissions are only in the database
            h = TpsHistory(state.tps[s.tps], [], {})
        elif h.submissions and h.submissions[-1].seq >= s.seq:
            return  # already in the rows of the query that made it
        known, role = self._role(state, s.actor)
        if not known:
            self._items.pop(s.tps, None)  # who sent it is not known here: the next read asks the database
            return
        stored = submission_from_values(submission_values(s), entry_hash, role)  # as the database gives it back
        self._put(s.tps, replace(h, submissions=[*h.submissions, stored]))

    def _accepted_changed(self, state: State, tps: str, contest: str) -> None:
        h = self._items.get(tps)
        if h is None:
            return
        acc = state.accepted.get((tps, contest))
        accepted = dict(h.accepted)
        if acc is None:
            accepted.pop(contest, None)
        else:
            key = (tps, contest)
            accepted[contest] = accepted_from_values(accepted_values(key, acc, key in state.disagreeing))
        self._items[tps] = replace(h, accepted=accepted)

    def _role(self, state: State, actor: str) -> tuple[bool, str | None]:
        """Whether the role a history shows for an actor is known here, and the role (None: not a token's or a
        grant's)."""
        kind, _, ident = actor.partition(":")
        if kind not in ("token", "grant"):
            return True, None
        if actor in self._roles:
            return True, self._roles[actor]
        grant = state.grants.get(ident) if kind == "grant" else None
        if grant is not None:
            self._learn(actor, grant.role)
            return True, grant.role
        return False, None

    def _learn(self, actor: str, role: str | None) -> None:
        if actor not in self._roles:
            if len(self._roles) >= MAX_ROLES:
                del self._roles[next(iter(self._roles))]
            self._roles[actor] = role

    def _put(self, code: str, history: TpsHistory) -> None:
        self._items[code] = history
        self._items.move_to_end(code)
        while len(self._items) > self.max_histories:
            self._items.popitem(last=False)

    def _forget_all(self) -> None:
        self._items.clear()
        self.generation += 1

