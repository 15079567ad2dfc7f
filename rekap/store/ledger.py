"""The log writer: appends entries to the hash chain one writer at a time, folds them, persists the changes.

Every process keeps the fold's State in memory. Before it writes, it takes the database's write lock
(SQLite: BEGIN IMMEDIATE; PostgreSQL: the head row FOR UPDATE) and catches up with entries other
processes appended, so the chain never forks and every worker's state equals the log.
"""

from __future__ import annotations

import gc
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, select, tuple_, update

from rekap.domain.errors import IdempotencyConflict, RekapError
from rekap.domain.fold import Changes, State, apply
from rekap.domain.log import Draft, Entry, canonical_text, now_iso, seal
from rekap.store import batch, codec
from rekap.store import tables as t
from rekap.store.db import Database, libpq_dsn
from rekap.store.projection import (
    all_rows,
    bulk_load,
    changed_rows,
    emptied,
    insert_all,
    persist_streams,
    submission_values,
)
from rekap.store.rebuild import Rebuilt, plan_parts, rebuild_in_parts, tps_per_province

Plan = Callable[[State], Draft]
STREAM_BATCH = 5000  # log rows fetched at a time when reading the whole log
PROGRESS_EVERY = 5000  # entries between two progress reports of a rebuild
AfterAppend = Callable[[Connection, Entry, State], None]


#: The most commands one transaction takes: bounds its size and the wait of the first caller in it.
MAX_BATCH = 512


@dataclass(frozen=True)
class Once:
    """An idempotency key: one (token, key) logs at most one entry. It is looked up under the write lock, so
    two retries racing in two workers cannot both get in, and the first one's entry answers the others."""

    token_id: str
    key: str
    digest: str  # SHA-256 of the request body: the same key with another body is a conflict


@dataclass(frozen=True)
class Replayed:
    """The command's key had already logged entry `seq` with the same body: nothing new was logged."""

    seq: int


@dataclass(frozen=True)
class Command:
    """A plan that turns the current state into an entry (or raises), what else to write with it (called right
    after the entry is folded, inside the transaction), and the idempotency key that makes it safe to retry."""

    plan: Plan
    after: AfterAppend | None = None
    once: Once | None = None


Outcome = Entry | Replayed | RekapError


@dataclass
class _Waiting:
    cmd: Command
    future: Future[Entry | Replayed]


def entry_from_row(row: object) -> Entry:
    r = row._mapping  # type: ignore[attr-defined]
    return Entry(r["seq"], r["prev_hash"], r["hash"], r["kind"], codec.loads(r["payload"]), r["actor"], r["at"])


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


def stream_log(conn: Connection, upto: int) -> Iterator[Entry]:
    """Every entry up to seq `upto`, in order: one query whose rows arrive in batches (from a server-side
    cursor on PostgreSQL), for reading the whole log where a query per chunk would cost a round trip each."""
    log = t.log.c
    query = select(log.seq, log.prev_hash, log.hash, log.kind, log.payload, log.actor, log.at)
    rows = conn.execution_options(yield_per=STREAM_BATCH).execute(query.where(log.seq <= upto).order_by(log.seq))
    for seq, prev_hash, hash_, kind, payload, actor, at in rows:
        yield Entry(seq, prev_hash, hash_, kind, codec.loads(payload), actor, at)


@contextmanager
def without_cycle_collection() -> Iterator[None]:
    """Folding the whole log keeps millions of new objects, none of them in a reference cycle: the cyclic
    garbage collector would walk them all again and again and find nothing to free."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def settle_heap() -> None:
    """After loading the fold: set what is in memory apart from the cyclic garbage collector, which would
    otherwise walk a national state's millions of objects (none in a cycle) at every full collection, a pause
    of a good part of a second in the middle of serving."""
    gc.collect()
    gc.freeze()


class Ledger:
    def __init__(self, db: Database, on_commit: Callable[[list[Entry], Changes], None] | None = None) -> None:
        self.db = db
        self._lock = threading.Lock()
        self._state: State | None = None
        self._queue: list[_Waiting] = []
        self._queue_lock = threading.Lock()
        self._draining = False  # a drain of the queue is scheduled or running on the writer thread
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="log-writer")
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
        """How many committed entries this process folded in the last second, its own and others' (capped at
        1024): how busy the log is, whichever process writes."""
        cutoff = time.monotonic() - 1.0
        return sum(1 for t in list(self._recent) if t > cutoff)

    def _saw(self, n: int) -> None:
        self._recent.extend([time.monotonic()] * min(n, self._recent.maxlen or 0))

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

    def submit(self, cmd: Command) -> Future[Entry | Replayed]:
        """Queue a command for this process's writer thread; the future resolves once its transaction is
        committed (or with the error that refused it). Whatever queues up while a transaction runs goes into
        the next one together (group commit): one lock, one commit, one fsync for the whole batch."""
        fut: Future[Entry | Replayed] = Future()
        with self._queue_lock:
            self._queue.append(_Waiting(cmd, fut))
            start, self._draining = not self._draining, True
        if start:
            self._writer.submit(self._drain)
        return fut

    def append(self, cmd: Command) -> Entry:
        """Append one entry and wait until it is committed; raises the RekapError that refused it."""
        out = self.submit(cmd).result()
        assert isinstance(out, Entry), "a command with an idempotency key goes through submit()"
        return out

    def _drain(self) -> None:
        while True:
            with self._queue_lock:
                batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
                if not batch:
                    self._draining = False
                    return
            with self._lock:
                self._commit_waiting(batch)

    def _commit_waiting(self, batch: list[_Waiting]) -> None:
        outcomes: list[Outcome | Exception]
        try:
            outcomes = list(self._append_locked([w.cmd for w in batch]))
        except Exception as exc:
            # one command's failure must not fail its neighbours: retry each alone
            outcomes = [exc] if len(batch) == 1 else [self._alone(w.cmd) for w in batch]
        for w, out in zip(batch, outcomes, strict=True):
            if isinstance(out, Exception):
                w.future.set_exception(out)
            else:
                w.future.set_result(out)

    def _alone(self, cmd: Command) -> Outcome | Exception:
        try:
            return self._append_locked([cmd])[0]
        except Exception as exc:
            return exc

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
            self._saw(len(entries))
            if entries and self.on_commit:
                self.on_commit(entries, changes)
            return len(entries)

    def append_batch(self, cmds: list[Command]) -> list[Outcome]:
        """Append each command's entry in one transaction; a command whose plan raises a RekapError gets
        that error back and the others still go in."""
        with self._lock:
            return self._append_locked(cmds)

    def _append_locked(self, cmds: list[Command]) -> list[Outcome]:
        if self._state is None:
            self._state = self._load()
        state = self._state
        try:
            with self.db.writer.begin() as conn:
                head_seq, _ = self._lock_head(conn)
                caught, theirs = self._catch_up(conn, state, head_seq)
                out, entries, changes, claims = self._fold(conn, state, cmds)
                theirs.merge(changes)
                if entries:
                    self._write(conn, state, entries, changes, claims)
        except BaseException:
            self._state = None  # memory may be ahead of the database: reload from the log next time
            raise
        self.committed_seq = state.seq
        self._saw(len(caught) + len(entries))
        if (caught or entries) and self.on_commit:  # other processes' entries are news here too
            self.on_commit(caught + entries, theirs)
        return out

    def _write(
        self, conn: Connection, state: State, entries: list[Entry], changes: Changes, claims: list[tuple[object, ...]]
    ) -> None:
        """A batch's writes: the entries, the projection rows, the idempotency keys and the new head. On
        PostgreSQL they are one statement, so the transaction waits for the server once here (then once more
        for the commit), and it announces the new head to the other workers' followers at commit."""
        parts = [(t.log, [_log_row(e) for e in entries], False), *changed_rows(state, changes)]
        parts.append((t.idempotency, claims, False))
        persist_streams(conn, changes)
        if self.db.is_sqlite:
            for table, rows, replace in parts:
                batch.insert(conn, table, rows, upsert=replace)
            conn.execute(update(t.log_head).where(t.log_head.c.id == 1).values(seq=state.seq, hash=state.head))
        else:
            batch.write(conn, parts, _NEW_HEAD, (state.seq, state.head, str(state.seq)))

    def _fold(
        self, conn: Connection, state: State, cmds: list[Command]
    ) -> tuple[list[Outcome], list[Entry], Changes, list[tuple[object, ...]]]:
        out: list[Outcome] = []
        entries: list[Entry] = []
        changes = Changes()
        used = _used_keys(conn, [c.once for c in cmds if c.once])
        claims: list[tuple[object, ...]] = []
        for cmd in cmds:
            once = cmd.once
            if once and (once.token_id, once.key) in used:
                out.append(_replay(once, *used[once.token_id, once.key]))
                continue
            try:
                draft = cmd.plan(state)
            except RekapError as err:
                out.append(err)
                continue
            e = seal(draft, state.seq + 1, state.head, now_iso())
            changes.merge(apply(state, e))
            if cmd.after:
                cmd.after(conn, e, state)
            if once:  # a second command with this key in the same batch is a replay of this one
                used[once.token_id, once.key] = (once.digest, e.seq)
                claims.append(_claim_row(once, e))
            entries.append(e)
            out.append(e)
        return out, entries, changes, claims

    def rebuild(self, progress: Callable[[int, int], None] | None = None, parts: int = 1) -> Rebuilt:
        """Recompute every projection and total from the log alone, under the write lock, and swap them in.

        With `parts` > 1 on PostgreSQL the log is folded in that many processes, a part of the country each
        (rekap/store/rebuild.py), and this process's fold is loaded again on next use. Otherwise it is folded
        here: the log is read on a connection of its own so that the submissions, made by the fold as it goes,
        can stream into the projection in one bulk load (COPY on PostgreSQL) on the writing one."""
        with self._lock, without_cycle_collection():
            self._state = None  # of no more use, and two national folds need not fit in memory together
            with self.db.writer.begin() as conn:
                head_seq, _ = self._lock_head(conn)
                if parts > 1 and not self.db.is_sqlite:
                    plan = plan_parts(tps_per_province(conn), parts)  # from the tables before they are emptied
                    with emptied(conn):
                        return rebuild_in_parts(conn, libpq_dsn(self.db.url), head_seq, plan, progress)
                with emptied(conn):
                    state = self._fold_into(conn, head_seq, progress)
            self._state = state
            return Rebuilt(state.seq, state.submission_count, len(state.accepted), len(state.totals))

    def _fold_into(self, conn: Connection, head_seq: int, progress: Callable[[int, int], None] | None) -> State:
        state = State()
        with self.db.reader.connect() as log:
            with bulk_load(conn, t.submissions) as write:
                for e in stream_log(log, head_seq):
                    for sub in apply(state, e).submissions:
                        write(submission_values(sub))
                    if progress and e.seq % PROGRESS_EVERY == 0:
                        progress(e.seq, head_seq)
            for table, rows in all_rows(state):
                insert_all(conn, table, rows)
        if progress:
            progress(head_seq, head_seq)
        return state


_NEW_HEAD = "UPDATE log_head SET seq = %b, hash = %b WHERE id = 1 RETURNING pg_notify('rekap_log', %b)"


def _log_row(e: Entry) -> tuple[object, ...]:
    payload = e.payload_text if e.payload_text is not None else canonical_text(e.payload)
    return (e.seq, e.prev_hash, e.hash, e.kind, payload, e.actor, e.at)  # the columns of t.log, in order


def _used_keys(conn: Connection, keys: list[Once]) -> dict[tuple[str, str], tuple[str, int]]:
    """(body digest, seq) of every key of `keys` already used: exact, as only lock holders write keys."""
    if not keys:
        return {}
    idem = t.idempotency.c
    pairs = list({(k.token_id, k.key) for k in keys})
    rows = conn.execute(
        select(idem.token_id, idem.key, idem.body_sha256, idem.seq).where(tuple_(idem.token_id, idem.key).in_(pairs))
    )
    return {(r.token_id, r.key): (r.body_sha256, r.seq) for r in rows}


def _replay(once: Once, digest: str, seq: int) -> Replayed | IdempotencyConflict:
    if digest != once.digest:
        return IdempotencyConflict(
            f"Idempotency-Key {once.key!r} was used for a different submission (seq {seq})", field="Idempotency-Key"
        )
    return Replayed(seq)


def _claim_row(once: Once, e: Entry) -> tuple[object, ...]:
    return (once.token_id, once.key, once.digest, e.seq, e.hash, e.at)  # the columns of t.idempotency, in order
