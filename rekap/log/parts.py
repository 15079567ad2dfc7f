"""Rebuilding the projections from the log in several processes, one part of the country each (PostgreSQL).

Totals are sums and a TPS belongs to one province, so the log folds in parts: every part folds the entries
that are neither results nor TPS (regions, contests, tokens: the same in all parts), and the TPS and the
results of its own provinces. Each part then owns every projection row of its provinces (submissions, accepted
results, TPS, the totals of its regions) and writes them as COPY text; the only rows two parts share are the
nation's totals, which add up.

The parts never write to the database: the rebuilding process holds the write lock, has emptied the tables in
its own transaction and copies the parts' rows in, so a rebuild still commits whole or not at all. Each part
checks that every result it was sent is one of its own, and the sum of the parts' results must be the number
of results in the log: every result was folded exactly once, or the rebuild fails.
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import resource
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection as Pipe
from multiprocessing.connection import wait
from typing import Any

from sqlalchemy import Connection, Table

from rekap.domain.fold import State, Totals, apply
from rekap.domain.log import Entry
from rekap.domain.regions import NATION
from rekap.log.reader import read_entries
from rekap.store import log_table
from rekap.store import tables as t
from rekap.store.db import connect
from rekap.store.projection import (
    Row,
    accepted_values,
    all_rows,
    copy_sql,
    submission_values,
    totals_values,
    tps_values,
)

CHUNK_BYTES = 1 << 20  # COPY text a part sends at a time
PROGRESS_EVERY = 5000
#: after the submissions, the tables the parts send, in the order the rebuilding process copies them in: the
#: first ones from every part (each has its own rows), the rest from the first part (all parts have them all)
FROM_EVERY_PART = (t.accepted, t.tps)
FROM_THE_FIRST = (t.regions, t.elections, t.contests, t.streams, t.recaps)
_RESULT = "result.submitted"
#: the kinds routed to the part of their province (each names a TPS): results and their confirmations
_ROUTED = (_RESULT, "result.confirmed")


@dataclass(frozen=True)
class Part:
    """Which results a part folds: those of `provinces`, or, for the part that takes the rest, those of every
    province not in `others` (so a province missing from the plan is still folded, by that part)."""

    index: int
    provinces: frozenset[str]
    others: frozenset[str]
    rest: bool

    def owns(self, province: str) -> bool:
        return province not in self.others if self.rest else province in self.provinces


@dataclass(frozen=True)
class Rebuilt:
    entries: int
    results: int  # routed entries folded: results and their confirmations
    accepted: int
    totals: int
    part_peak_mb: tuple[int, ...] = ()  # each part's peak memory, when folded in parts


def plan_parts(tps_per_province: dict[str, int], n: int) -> list[Part]:
    """Provinces dealt to n parts, largest first to the part with the fewest TPS so far."""
    loads: list[list[str]] = [[] for _ in range(n)]
    sizes = [0] * n
    for province, count in sorted(tps_per_province.items(), key=lambda kv: (-kv[1], kv[0])):
        i = sizes.index(min(sizes))
        loads[i].append(province)
        sizes[i] += count
    sets = [frozenset(p) for p in loads]
    everyone = frozenset().union(*sets)
    return [Part(i, sets[i], everyone - sets[i], i == 0) for i in range(n)]


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_CONSTANTS: dict[object, str] = {None: "\\N", True: "t", False: "f"}


def copy_text(values: Row) -> str:
    """One row in COPY's text format."""
    return "\t".join(map(_field, values)) + "\n"


def _field(v: Any) -> str:
    kind = type(v)
    if kind is str:
        if "\\" in v or "\t" in v or "\n" in v or "\r" in v:  # rare: four scans in C beat one translate
            return v.translate(_ESCAPES)  # type: ignore[no-any-return]
        return v  # type: ignore[no-any-return]
    if kind is int:
        return str(v)
    return _CONSTANTS[v] if v is None or kind is bool else str(v)


# --- in each part's process ---------------------------------------------------------------------------------


def _log(url: str, head_seq: int, part: Part) -> Iterator[Entry]:
    """The entries of the part: every one about no province, and those about the part's provinces (indexed by
    the log's province column; each part re-checks the province of what it is sent after decoding)."""
    db = connect(url)
    try:
        with db.reader.connect() as conn:
            provinces = part.others if part.rest else part.provinces
            yield from read_entries(conn, upto=head_seq, provinces=provinces, other_provinces=part.rest)
    finally:
        db.dispose()


def _own_tps(e: Entry, part: Part) -> Entry:
    """A TPS import with only the rows of the part's provinces: the others' TPS count in the others' totals."""
    at = list(e.payload["columns"]).index("kelurahan")
    rows = [row for row in e.payload["rows"] if part.owns(row[at][:2])]
    return Entry(e.seq, e.prev_hash, e.hash, e.kind, {**e.payload, "rows": rows}, e.actor, e.at)


def _peak_memory_mb() -> int:
    """This process's peak resident memory. /proc's VmHWM where there is one: ru_maxrss also counts what
    the process that forked this one had before the exec."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


class _Chunks:
    """Rows gathered into COPY text of about CHUNK_BYTES."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.size = 0

    def add(self, values: Row) -> bytes | None:
        """The chunk this row completes, if it does."""
        line = copy_text(values)
        self.lines.append(line)
        self.size += len(line)
        return self.take() if self.size >= CHUNK_BYTES else None

    def take(self) -> bytes | None:
        chunk = "".join(self.lines).encode() if self.lines else None
        self.lines, self.size = [], 0
        return chunk


class _Sender:
    def __init__(self, pipe: Pipe) -> None:
        self.pipe = pipe
        self.chunks = _Chunks()

    def row(self, values: Row) -> None:
        chunk = self.chunks.add(values)
        if chunk is not None:
            self.pipe.send(("rows", chunk))

    def flush(self) -> None:
        chunk = self.chunks.take()
        if chunk is not None:
            self.pipe.send(("rows", chunk))

    def table(self, table: Table, chunks: list[bytes]) -> None:
        for chunk in chunks:
            self.pipe.send(("rows", chunk))
        self.pipe.send(("end", table.name))


def _chunks(rows: Iterable[Row]) -> list[bytes]:
    """Rows as COPY text, made before any is sent: every part makes its own at once, while the rebuilding
    process copies in one part's rows after the other's."""
    gather = _Chunks()
    out = [chunk for values in rows if (chunk := gather.add(values)) is not None]
    last = gather.take()
    return [*out, last] if last is not None else out


def fold_part(url: str, head_seq: int, part: Part, pipe: Pipe) -> None:
    """A part's process: fold, then send its rows table by table, its totals and what it counted."""
    gc.disable()  # millions of objects, no cycles
    try:
        state, results, entries = State(), 0, 0
        out = _Sender(pipe)
        for e in _log(url, head_seq, part):
            entries += 1
            if e.kind in _ROUTED:
                if not part.owns(e.payload["tps"][:2]):
                    raise RuntimeError(f"entry {e.seq} was routed to the wrong part")
                results += 1
            elif e.kind == "tps.imported":
                e = _own_tps(e, part)
            for sub in apply(state, e).submissions:
                out.row(submission_values(sub))
            if e.seq % PROGRESS_EVERY == 0:
                pipe.send(("progress", e.seq))
        out.flush()
        pipe.send(("end", t.submissions.name))
        mine = part.owns
        disagreeing = state.disagreeing
        accepted = [(k, a) for k, a in state.accepted.items() if mine(k[0][:2])]
        tables = {
            t.accepted: _chunks(accepted_values(k, a, k in disagreeing) for k, a in accepted),
            t.tps: _chunks(tps_values(x) for x in state.tps.values() if mine(x.code[:2])),
        }
        if part.rest:  # the rows every part has: sent by one
            tables.update({table: _chunks(rows) for table, rows in all_rows(state) if table in FROM_THE_FIRST})
        for table in (*FROM_EVERY_PART, *FROM_THE_FIRST):  # in the order the rebuilding process copies them in
            if table in tables:
                out.table(table, tables[table])
        totals = {k: v for k, v in state.totals.items() if k[0] == NATION or mine(k[0][:2])}
        pipe.send(("totals", totals))
        peak_mb = _peak_memory_mb()
        pipe.send(("done", (entries - results, results, len(accepted), peak_mb)))
    except BaseException:
        pipe.send(("error", traceback.format_exc()))
        raise
    finally:
        pipe.close()


# --- in the rebuilding process ------------------------------------------------------------------------------


class _Parts:
    """The parts' processes and what each has sent so far."""

    def __init__(self, url: str, head_seq: int, parts: list[Part]) -> None:
        spawn = mp.get_context("spawn")  # a fresh interpreter: nothing of this process's connections or threads
        self.pipes: list[Pipe] = []
        self.procs = []
        for part in parts:
            recv, send = spawn.Pipe(duplex=False)
            proc = spawn.Process(target=fold_part, args=(url, head_seq, part, send), daemon=True)
            proc.start()
            send.close()
            self.pipes.append(recv)
            self.procs.append(proc)
        self.seen = [0] * len(parts)

    def messages(self, i: int) -> Iterator[tuple[str, Any]]:
        while True:
            try:
                kind, value = self.pipes[i].recv()
            except EOFError:
                raise RuntimeError(f"rebuild part {i} ended early (exit {self.procs[i].exitcode})") from None
            if kind == "error":
                raise RuntimeError(f"rebuild part {i} failed:\n{value}")
            if kind == "progress":
                self.seen[i] = value
                continue
            yield kind, value

    def close(self) -> None:
        for proc in self.procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()


def rebuild_in_parts(
    conn: Connection, url: str, head_seq: int, parts: list[Part], progress: Callable[[int, int], None] | None
) -> Rebuilt:
    """Fold the log up to `head_seq` in the parts' processes and copy their rows in on `conn` (whose
    transaction holds the write lock and has emptied the projections)."""
    running = _Parts(url, head_seq, parts)
    try:
        cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        _copy_streaming(cur, running, progress, head_seq)  # submissions, while the parts fold
        for table in (*FROM_EVERY_PART, *FROM_THE_FIRST):
            with cur.copy(copy_sql(table)) as copy:
                for i in range(len(parts)) if table in FROM_EVERY_PART else [0]:
                    _copy_until_end(copy, running.messages(i), table.name)
        totals: list[dict[tuple[str, str], Totals]] = []
        done = []
        for i in range(len(parts)):
            for kind, value in running.messages(i):
                if kind == "totals":
                    totals.append(value)
                elif kind == "done":
                    done.append(value)
                    break
        merged = merge_totals(totals)
        with cur.copy(copy_sql(t.totals)) as copy:
            for key, x in merged.items():
                copy.write_row(totals_values(key, x))
    finally:
        running.close()
    results = sum(d[1] for d in done)
    logged = sum(log_table.count_of_kind(conn, kind, head_seq) for kind in _ROUTED)
    if results != logged or any(d[0] != head_seq - logged for d in done):
        raise RuntimeError(f"the parts folded {results} results of the log's {logged}: rebuild abandoned")
    if progress:
        progress(head_seq, head_seq)
    return Rebuilt(head_seq, results, sum(d[2] for d in done), len(merged), tuple(d[3] for d in done))


def _copy_streaming(cur: Any, running: _Parts, progress: Callable[[int, int], None] | None, head_seq: int) -> None:
    """The submissions, as each part sends them: whichever part has rows ready is copied first."""
    open_parts = {running.pipes[i]: running.messages(i) for i in range(len(running.pipes))}
    with cur.copy(copy_sql(t.submissions)) as copy:
        while open_parts:
            for ready in wait(list(open_parts)):
                assert isinstance(ready, Pipe)
                if _copied(copy, next(open_parts[ready]), t.submissions.name):
                    del open_parts[ready]
            if progress:
                progress(min(running.seen), head_seq)


def _copy_until_end(copy: Any, messages: Iterator[tuple[str, Any]], table: str) -> None:
    for message in messages:
        if _copied(copy, message, table):
            return


def _copied(copy: Any, message: tuple[str, Any], table: str) -> bool:
    """Copy one message's rows of `table` in; True when it is the table's end."""
    kind, value = message
    if kind == "rows":
        copy.write(value)
        return False
    if kind == "end" and value == table:
        return True
    raise RuntimeError(f"unexpected {kind} {value!r} while copying {table}")


def merge_totals(parts: list[dict[tuple[str, str], Totals]]) -> dict[tuple[str, str], Totals]:
    """Every part's totals rows; a row two parts have (the nation's) is the sum of theirs, as of the later."""
    merged: dict[tuple[str, str], Totals] = {}
    for totals in parts:
        for key, x in totals.items():
            have = merged.get(key)
            if have is None:
                merged[key] = x.copy()
                continue
            have.add(x)  # every count of a totals row is a sum
            if x.last_seq > have.last_seq:
                have.last_seq, have.updated_at = x.last_seq, x.updated_at
    return merged
