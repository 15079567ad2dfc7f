"""The log writer: appends entries to the hash chain one writer at a time, folds them, persists the changes.

Every process keeps the fold's State in memory. Before it writes, it takes the database's write lock (SQLite:
BEGIN IMMEDIATE; PostgreSQL: the head row FOR UPDATE) and catches up with entries other processes appended, so
the chain never forks and every process's state equals the log. Writes go through one thread per process: what
queues while a transaction runs goes into the next one together (group commit: one lock, one commit, one fsync).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy import Connection, Table

from rekap.domain.errors import IdempotencyConflict, RekapError
from rekap.domain.fold import Changes, State, apply
from rekap.domain.log import Entry, now_iso, seal
from rekap.log.checkpoint import Checkpoints
from rekap.log.commands import Appended, Command, IdempotencyKey, Outcome, Replayed
from rekap.log.commits import CommitFeed
from rekap.log.heap import without_cycle_collection
from rekap.log.reader import read_entries
from rekap.store import batch, idempotency, log_table
from rekap.store import tables as t
from rekap.store.db import Database
from rekap.store.projection import changed_rows, persist_streams

#: The most commands one transaction takes: bounds its size and the wait of the first caller in it.
MAX_BATCH = 512
#: the commands' new rows of a batch, by table, each by its key
Kept = dict[Table, dict[tuple[object, ...], tuple[object, ...]]]


@dataclass
class _Waiting:
    cmd: Command
    future: Future[Appended | Replayed]


class LogWriter:
    def __init__(self, db: Database, checkpoints: Checkpoints | None = None) -> None:
        self.db = db
        self.checkpoints = checkpoints
        self._checkpointed = 0  # the seq of the last checkpoint this process wrote or started from
        #: the seq of the checkpoint the fold was loaded from (0: folded from the log's first entry)
        self.started_from = 0
        self.feed = CommitFeed()
        self._lock = threading.Lock()
        self._state: State | None = None
        self._queue: list[_Waiting] = []
        self._queue_lock = threading.Lock()
        self._draining = False  # a drain of the queue is scheduled or running on the writer thread
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="log-writer")
        #: the last seq known to be committed: the fold in memory may run ahead inside a transaction
        self.committed_seq = 0
        self._recent: deque[float] = deque(maxlen=1024)

    # --- the fold in memory -------------------------------------------------------------------------------

    @property
    def state(self) -> State:
        """The fold of the whole log as this process last saw it (loaded on first use)."""
        with self._lock:
            return self._loaded()

    def read_committed(self, fn: Callable[[State], None]) -> None:
        """Call fn with the fold while no write is in flight, so what it sees is exactly what is committed."""
        with self._lock:
            fn(self._loaded())

    def peek(self) -> State | None:
        """The fold without taking the lock: for commit listeners, which already run under it."""
        return self._state

    @property
    def known_seq(self) -> int:
        """The last seq folded in this process (no lock: a stale answer only delays a catch-up)."""
        return self._state.seq if self._state is not None else 0

    def entries_per_second(self) -> int:
        """How many committed entries this process folded in the last second, its own and others' (capped at
        1024): how busy the log is, whichever process writes."""
        cutoff = time.monotonic() - 1.0
        return sum(1 for at in list(self._recent) if at > cutoff)

    def forget(self) -> None:
        """Drop the fold (a rebuild replaces the projections): it is loaded again on next use. Under the lock."""
        self._state = None

    def adopt(self, state: State) -> None:
        """Take the fold a rebuild made of the whole log as this process's. Under the lock."""
        self._state = state
        self.committed_seq = state.seq

    @property
    def lock(self) -> threading.Lock:
        """Held by every write and by a rebuild."""
        return self._lock

    def _saw(self, n: int) -> None:
        self._recent.extend([time.monotonic()] * min(n, self._recent.maxlen or 0))

    def _loaded(self) -> State:
        if self._state is None:
            with self.db.reader.connect() as conn, without_cycle_collection():
                saved = self.checkpoints.load(conn) if self.checkpoints is not None else None
                state = saved.state if saved is not None else State()
                self._checkpointed = self.started_from = state.seq
                for e in read_entries(conn, after=state.seq):
                    apply(state, e)
            self.committed_seq = state.seq
            self._state = state
        return self._state

    def _catch_up(self, conn: Connection, state: State, head_seq: int) -> tuple[list[Entry], Changes]:
        entries: list[Entry] = []
        changes = Changes()
        if head_seq > state.seq:
            for e in read_entries(conn, after=state.seq):
                changes.merge(apply(state, e))
                entries.append(e)
        return entries, changes

    def catch_up(self) -> int:
        """Fold entries other processes appended (and tell the feed about them); returns how many."""
        with self._lock:
            if self._state is None:
                return 0  # not loaded yet: the first use reads the whole log anyway
            state = self._state
            with self.db.reader.connect() as conn:
                entries, changes = self._catch_up(conn, state, log_table.head_seq(conn))
            self.committed_seq = state.seq
            self._saw(len(entries))
            if entries:
                self.feed.publish(entries, changes)
            return len(entries)

    def checkpoint(self) -> int | None:
        """Start writing a checkpoint of the committed fold in a child process and return its pid (the caller
        reaps it), or None when there is nothing new since the last one."""
        if self.checkpoints is None:
            return None
        with self._lock:  # no write in flight: the fold is exactly what is committed
            state = self._state
            if state is None or state.seq == self._checkpointed:
                return None
            pid = self.checkpoints.write_in_child(state)
            self._checkpointed = state.seq
        return pid

    # --- appending ----------------------------------------------------------------------------------------

    def submit(self, cmd: Command) -> Future[Appended | Replayed]:
        """Queue a command for this process's writer thread; the future resolves once its transaction is
        committed (or with the error that refused it)."""
        fut: Future[Appended | Replayed] = Future()
        with self._queue_lock:
            self._queue.append(_Waiting(cmd, fut))
            start, self._draining = not self._draining, True
        if start:
            self._thread.submit(self._drain)
        return fut

    def append(self, cmd: Command) -> Entry:
        """Append one entry and wait until it is committed; raises the RekapError that refused it."""
        out = self.submit(cmd).result()
        assert isinstance(out, Appended), "a command with an idempotency key goes through submit()"
        return out.entry

    def append_batch(self, cmds: list[Command]) -> list[Outcome]:
        """Append each command's entry in one transaction; a command whose plan raises a RekapError gets that
        error back and the others still go in."""
        with self._lock:
            return self._append_locked(cmds)

    def _drain(self) -> None:
        while True:
            with self._queue_lock:
                waiting, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
                if not waiting:
                    self._draining = False
                    return
            with self._lock:
                self._commit_waiting(waiting)

    def _commit_waiting(self, waiting: list[_Waiting]) -> None:
        outcomes: list[Outcome | Exception]
        try:
            outcomes = list(self._append_locked([w.cmd for w in waiting]))
        except Exception as exc:
            # one command's failure must not fail its neighbours: retry each alone
            outcomes = [exc] if len(waiting) == 1 else [self._alone(w.cmd) for w in waiting]
        for w, out in zip(waiting, outcomes, strict=True):
            if isinstance(out, Exception):
                w.future.set_exception(out)
            else:
                w.future.set_result(out)

    def _alone(self, cmd: Command) -> Outcome | Exception:
        try:
            return self._append_locked([cmd])[0]
        except Exception as exc:
            return exc

    def _append_locked(self, cmds: list[Command]) -> list[Outcome]:
        state = self._loaded()
        try:
            with self.db.writer.begin() as conn:
                head_seq, _ = log_table.head(conn, lock=True)
                caught, theirs = self._catch_up(conn, state, head_seq)
                out, entries, changes, claims, kept = self._fold(conn, state, cmds)
                theirs.merge(changes)
                if entries:
                    self._write(conn, state, entries, changes, claims, kept)
        except BaseException:
            self._state = None  # memory may be ahead of the database: reload from the log next time
            raise
        self.committed_seq = state.seq
        self._saw(len(caught) + len(entries))
        if caught or entries:  # other processes' entries are news here too
            self.feed.publish(caught + entries, theirs)
        return out

    def _write(
        self,
        conn: Connection,
        state: State,
        entries: list[Entry],
        changes: Changes,
        claims: batch.Rows,
        kept: Kept,
    ) -> None:
        """A batch's writes: the entries, the projection rows, the idempotency keys, the commands' new rows and the
        new head. On PostgreSQL they are one statement, so the transaction waits for the server once here (then
        once more for the commit), and it announces the new head to the other workers' followers at commit."""
        parts: list[batch.Part] = [(t.log, [log_table.log_row(e) for e in entries], False)]
        parts += changed_rows(state, changes)
        parts.append((t.idempotency, claims, False))
        parts += [(table, list(rows.values()), batch.KEEP) for table, rows in kept.items()]
        persist_streams(conn, changes)
        if self.db.is_sqlite:
            for table, rows, replace in parts:
                batch.insert(conn, table, rows, upsert=replace)
            log_table.set_head(conn, state.seq, state.head)
        else:
            batch.write(conn, parts, log_table.NEW_HEAD_PG, (state.seq, state.head, str(state.seq)))

    def _fold(
        self, conn: Connection, state: State, cmds: list[Command]
    ) -> tuple[list[Outcome], list[Entry], Changes, batch.Rows, Kept]:
        out: list[Outcome] = []
        entries: list[Entry] = []
        changes = Changes()
        used = idempotency.used(conn, [c.key for c in cmds if c.key])
        claims: batch.Rows = []
        kept: Kept = {}
        for cmd in cmds:
            key = cmd.key
            if key and (key.token_id, key.key) in used:
                out.append(_replay(key, *used[key.token_id, key.key]))
                continue
            try:
                draft = cmd.plan(state)
            except RekapError as err:
                out.append(err)
                continue
            e = seal(draft, state.seq + 1, state.head, now_iso())
            these = apply(state, e)
            changes.merge(these)
            for write in cmd.writes:
                write(conn, e)
            for rows_of in cmd.rows:
                table, rows = rows_of(e)
                keyed, key_at = kept.setdefault(table, {}), batch.key_positions(table)
                for row in rows:  # one statement may not insert a key twice: the first row with it stays
                    keyed.setdefault(tuple(row[i] for i in key_at), row)
            if key:  # a second command with this key in the same batch is a replay of this one
                used[key.token_id, key.key] = (key.digest, e.seq)
                claims.append(idempotency.claim_row(key.token_id, key.key, key.digest, e))
            entries.append(e)
            out.append(Appended(e, these))
        return out, entries, changes, claims, kept


def _replay(key: IdempotencyKey, digest: str, seq: int) -> Replayed | IdempotencyConflict:
    if digest != key.digest:
        return IdempotencyConflict(
            f"Idempotency-Key {key.key!r} was used for a different submission (seq {seq})", field="Idempotency-Key"
        )
    return Replayed(seq)
