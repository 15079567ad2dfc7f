"""`rekap rebuild`: every projection and total recomputed from the log alone, under the write lock, and swapped in.

With several parts on PostgreSQL the log is folded in that many processes, a part of the country each
(rekap/log/parts.py), and this process's fold is loaded again on next use. Otherwise it is folded here: the log is
read on a connection of its own so that the submissions, made by the fold as it goes, stream into the projection
in one bulk load (COPY on PostgreSQL) on the writing one.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection

from rekap.domain.fold import State, apply
from rekap.log.heap import without_cycle_collection
from rekap.log.parts import Rebuilt, plan_parts, rebuild_in_parts
from rekap.log.reader import read_entries
from rekap.log.writer import LogWriter
from rekap.store import log_table, regions
from rekap.store import tables as t
from rekap.store.projection import all_rows, bulk_load, emptied, insert_all, submission_values

Progress = Callable[[int, int], None]
PROGRESS_EVERY = 5000  # entries between two progress reports

__all__ = ["Rebuilt", "rebuild"]


def rebuild(writer: LogWriter, progress: Progress | None = None, parts: int = 1) -> Rebuilt:
    with writer.lock, without_cycle_collection():
        writer.forget()  # of no more use, and two national folds need not fit in memory together
        db = writer.db
        with db.writer.begin() as conn:
            head_seq, _ = log_table.head(conn, lock=True)
            if parts > 1 and not db.is_sqlite:
                plan = plan_parts(regions.tps_per_province(conn), parts)  # before the tables are emptied
                with emptied(conn):
                    return rebuild_in_parts(conn, db.url, head_seq, plan, progress)
            with emptied(conn):
                state = _fold_into(writer, conn, head_seq, progress)
        writer.adopt(state)
        return Rebuilt(state.seq, state.submission_count, len(state.accepted), len(state.totals))


def _fold_into(writer: LogWriter, conn: Connection, head_seq: int, progress: Progress | None) -> State:
    state = State()
    with writer.db.reader.connect() as log:
        with bulk_load(conn, t.submissions) as write:
            for e in read_entries(log, upto=head_seq):
                for sub in apply(state, e).submissions:
                    write(submission_values(sub))
                if progress and e.seq % PROGRESS_EVERY == 0:
                    progress(e.seq, head_seq)
        for table, rows in all_rows(state):
            insert_all(conn, table, rows)
    if progress:
        progress(head_seq, head_seq)
    return state
