"""The log writer: appends entries to the hash chain one writer at a time, folds them, persists the changes.

Every process keeps the fold's State in memory. Before it writes, it takes the database's write lock
(SQLite: BEGIN IMMEDIATE; PostgreSQL: the head row FOR UPDATE) and catches up with entries other
processes appended, so the chain never forks and every worker's state equals the log.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import Connection, delete, select, text, update

from rekap.domain.errors import RekapError
from rekap.domain.fold import Changes, State, apply
from rekap.domain.log import Draft, Entry, canonical_text, now_iso, seal
from rekap.store import tables as t
from rekap.store.db import Database
from rekap.store.projection import CHUNK, all_rows, insert_all, persist, submission_row
from rekap.store.tables import PROJECTIONS

Plan = Callable[[State], Draft]
AfterAppend = Callable[[Connection, Entry, State], None]


@dataclass(frozen=True)
class Command:
    """A plan that turns the current state into an entry (or raises), and what else to write with it."""

    plan: Plan
    after: AfterAppend | None = None


@dataclass
class _Waiting:
    cmd: Command
    outcome: Entry | RekapError | Exception | None = None


def entry_from_row(row: object) -> Entry:
    r = row._mapping  # type: ignore[attr-defined]
    return Entry(r["seq"], r["prev_hash"], r["hash"], r["kind"], json.loads(r["payload"]), r["actor"], r["at"])


def read_entries(conn: Connection, after: int = 0, limit: int | None = None, chunk: int = 2000) -> Iterator[Entry]:
    """Entries with seq > after, in order, fetched in chunks so the whole log never sits in memory."""
    seen = 0
    while limit is None or seen < limit:
        n = chunk if limit is None else min(chunk, limit - seen)
        rows = conn.execute(select(t.log).where(t.log.c.seq > after).order_by(t.log.c.seq).limit(n)).all()
        for row in rows:
            yield entry_from_row(row)
        if len(rows) < n:
            return
        after, seen = rows[-1].seq, seen + len(rows)


class Ledger:
    def __init__(self, db: Database, on_commit: Callable[[list[Entry], Changes], None] | None = None) -> None:
        self.db = db
        self._lock = threading.Lock()
        self._state: State | None = None
        self._queue: list[_Waiting] = []
        self._queue_lock = threading.Lock()
        self.on_commit = on_commit
        #: the last seq known to be committed: the fold in memory may run ahead inside a transaction
        self.committed_seq = 0
        self._recent: deque[float] = deque(maxlen=1024)

    @property
    def state(self) -> State:
        """The fold of the whole log as this process last saw it (loaded on first use)."""
        with self._lock:
            if self._state is None:
                self._state = self._load()
            return self._state

    def read_committed(self, fn: Callable[[State], None]) -> None:
        """Call fn with the fold while no write is in flight, so what it sees is exactly what is committed."""
        with self._lock:
            if self._state is None:
                self._state = self._load()
            fn(self._state)

    def peek(self) -> State | None:
        """The fold without taking the lock: for on_commit listeners, which already run under it."""
        return self._state

    def entries_per_second(self) -> int:
        """How many entries this process appended in the last second (capped at 1024)."""
        cutoff = time.monotonic() - 1.0
        return sum(1 for t in list(self._recent) if t > cutoff)

    @property
    def known_seq(self) -> int:
        """The last seq folded in this process (no lock: a stale answer only delays a catch-up)."""
        return self._state.seq if self._state is not None else 0

    def _load(self) -> State:
        state = State()
        with self.db.reader.connect() as conn:
            for e in read_entries(conn):
                apply(state, e)
        self.committed_seq = state.seq
        return state

    def _lock_head(self, conn: Connection) -> tuple[int, str]:
        q = select(t.log_head.c.seq, t.log_head.c.hash).where(t.log_head.c.id == 1)
        if not self.db.is_sqlite:
            q = q.with_for_update()
        row = conn.execute(q).one()
        return row.seq, row.hash

    def _catch_up(self, conn: Connection, state: State, head_seq: int) -> tuple[list[Entry], Changes]:
        entries: list[Entry] = []
        changes = Changes()
        if head_seq > state.seq:
            for e in read_entries(conn, after=state.seq):
                changes.merge(apply(state, e))
                entries.append(e)
        return entries, changes

    def append(self, cmd: Command) -> Entry:
        """Append one entry. Concurrent callers are committed together (group commit): whoever gets the
        write lock takes every command waiting at that moment into one transaction."""
        me = _Waiting(cmd)
        with self._queue_lock:
            self._queue.append(me)
        with self._lock:
            if me.outcome is None:
                with self._queue_lock:
                    batch, self._queue = self._queue, []
                if me not in batch:  # a leader was interrupted mid-batch and our command never went in
                    batch.append(me)
                self._commit_waiting(batch)
        if isinstance(me.outcome, BaseException):
            raise me.outcome
        assert me.outcome is not None
        return me.outcome

    def _commit_waiting(self, batch: list[_Waiting]) -> None:
        try:
            for w, out in zip(batch, self._append_locked([w.cmd for w in batch]), strict=True):
                w.outcome = out
        except Exception as exc:
            if len(batch) == 1:
                batch[0].outcome = exc
                return
            for w in batch:  # one command's failure must not fail its neighbours: retry each alone
                try:
                    w.outcome = self._append_locked([w.cmd])[0]
                except Exception as single:
                    w.outcome = single

    def catch_up(self) -> int:
        """Fold entries other processes appended (and tell on_commit about them); returns how many."""
        with self._lock:
            if self._state is None:
                return 0  # not loaded yet: the first use reads the whole log anyway
            state = self._state
            with self.db.reader.connect() as conn:
                head_seq = conn.execute(select(t.log_head.c.seq)).scalar_one()
                entries, changes = self._catch_up(conn, state, head_seq)
            self.committed_seq = state.seq
            if entries and self.on_commit:
                self.on_commit(entries, changes)
            return len(entries)

    def append_batch(self, cmds: list[Command]) -> list[Entry | RekapError]:
        """Append each command's entry in one transaction; a command whose plan raises a RekapError gets
        that error back and the others still go in."""
        with self._lock:
            return self._append_locked(cmds)

    def _append_locked(self, cmds: list[Command]) -> list[Entry | RekapError]:
        if self._state is None:
            self._state = self._load()
        state = self._state
        try:
            with self.db.writer.begin() as conn:
                head_seq, _ = self._lock_head(conn)
                caught, theirs = self._catch_up(conn, state, head_seq)
                out, entries, changes = self._fold(conn, state, cmds)
                theirs.merge(changes)
                if entries:
                    conn.execute(t.log.insert(), [_log_row(e) for e in entries])
                    persist(conn, state, changes)
                    conn.execute(update(t.log_head).where(t.log_head.c.id == 1).values(seq=state.seq, hash=state.head))
                    for cmd, res in zip(cmds, out, strict=True):
                        if cmd.after and isinstance(res, Entry):
                            cmd.after(conn, res, state)
                    if not self.db.is_sqlite:  # wakes the other workers' followers at commit
                        conn.execute(text("SELECT pg_notify('rekap_log', :seq)"), {"seq": str(state.seq)})
        except BaseException:
            self._state = None  # memory may be ahead of the database: reload from the log next time
            raise
        self.committed_seq = state.seq
        self._recent.extend([time.monotonic()] * min(len(entries), self._recent.maxlen or 0))
        if (caught or entries) and self.on_commit:  # other processes' entries are news here too
            self.on_commit(caught + entries, theirs)
        return out

    def _fold(
        self, conn: Connection, state: State, cmds: list[Command]
    ) -> tuple[list[Entry | RekapError], list[Entry], Changes]:
        out: list[Entry | RekapError] = []
        entries: list[Entry] = []
        changes = Changes()
        for cmd in cmds:
            try:
                draft = cmd.plan(state)
            except RekapError as err:
                out.append(err)
                continue
            e = seal(draft, state.seq + 1, state.head, now_iso())
            changes.merge(apply(state, e))
            entries.append(e)
            out.append(e)
        return out, entries, changes

    def rebuild(self, progress: Callable[[int, int], None] | None = None) -> State:
        """Recompute every projection and total from the log alone, under the write lock, and swap them in."""
        with self._lock:
            try:
                with self.db.writer.begin() as conn:
                    head_seq, _ = self._lock_head(conn)
                    for table in reversed(PROJECTIONS):
                        conn.execute(delete(table))
                    state = State()
                    pending: list[dict[str, object]] = []
                    for e in read_entries(conn):
                        for sub in apply(state, e).submissions:
                            pending.append(submission_row(sub))
                        if len(pending) >= CHUNK:
                            conn.execute(t.submissions.insert(), pending)
                            pending = []
                        if progress:
                            progress(e.seq, head_seq)
                    if pending:
                        conn.execute(t.submissions.insert(), pending)
                    for table, rows in all_rows(state):
                        insert_all(conn, table, rows)
            except BaseException:
                self._state = None
                raise
            self._state = state
            return state


def _log_row(e: Entry) -> dict[str, object]:
    return {
        "seq": e.seq,
        "prev_hash": e.prev_hash,
        "hash": e.hash,
        "kind": e.kind,
        "payload": canonical_text(e.payload),
        "actor": e.actor,
        "at": e.at,
    }
