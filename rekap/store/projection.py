"""Writing what the fold changed into the projection tables, row by row or all at once on rebuild."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from psycopg.copy import QueuedLibpqWriter
from sqlalchemy import Connection, Table, delete, text

from rekap.domain.contest import Contest, Election
from rekap.domain.fold import TOTALS_COUNTS, Accepted, Changes, LoggedSubmission, Recap, State, Totals
from rekap.domain.regions import NATION, Region
from rekap.domain.tps import Tps
from rekap.store import batch, codec
from rekap.store import tables as t

Row = tuple[Any, ...]  # a table's values in the order of its columns

CHUNK = 5000


def copy_sql(table: Table) -> str:
    """PostgreSQL's COPY of every column of `table`, in order, from the client."""
    return f"COPY {table.name} ({', '.join(batch.column_names(table))}) FROM STDIN"


@contextmanager
def bulk_load(conn: Connection, table: Table) -> Iterator[Callable[[Row], None]]:
    """A function that inserts one row; the rows go in by COPY on PostgreSQL (sent by a thread of psycopg's
    while the caller makes the next ones) and by executemany of CHUNK rows on SQLite."""
    if conn.dialect.name == "postgresql":
        cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cur.copy(copy_sql(table), writer=QueuedLibpqWriter(cur)) as copy:
            yield copy.write_row
        return
    cols = batch.column_names(table)
    insert = f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
    pending: list[Row] = []

    def write(row: Row) -> None:
        pending.append(row)
        if len(pending) >= CHUNK:
            conn.exec_driver_sql(insert, pending)
            pending.clear()

    yield write
    if pending:
        conn.exec_driver_sql(insert, pending)


@contextmanager
def indexes_rebuilt(conn: Connection, tables: Iterable[Table]) -> Iterator[None]:
    """PostgreSQL: drop the tables' indexes (primary keys included) and build them again at the end, in the
    caller's transaction. Sorting 823k keys once costs the server a fraction of keeping a B-tree up to date
    through 823k inserts. Elsewhere: nothing."""
    if conn.dialect.name != "postgresql":
        yield
        return
    names = [table.name for table in tables]
    keys = conn.execute(
        text(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'p' AND conrelid::regclass::text = ANY(:names)"
        ),
        {"names": names},
    ).all()
    others = conn.execute(
        text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename = ANY(:names) AND indexname NOT IN (SELECT conname FROM pg_constraint)"
        ),
        {"names": names},
    ).all()
    for name, _definition in others:
        conn.execute(text(f'DROP INDEX "{name}"'))
    for table, name, _definition in keys:
        conn.execute(text(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"'))
    yield
    for table, name, definition in keys:
        conn.execute(text(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'))
    for _name, definition in others:
        conn.execute(text(definition))


@contextmanager
def emptied(conn: Connection) -> Iterator[None]:
    """The projection tables emptied for a bulk load in the caller's transaction, their indexes built after."""
    clear_projections(conn)
    with indexes_rebuilt(conn, t.PROJECTIONS):
        yield


def clear_projections(conn: Connection) -> None:
    """Empty every projection table in the caller's transaction. On PostgreSQL by TRUNCATE: a DELETE of a
    national projection takes seconds and leaves millions of dead rows that slow every later write and read.
    Until the transaction ends, readers of these tables wait; one whose snapshot is older than the commit
    then sees them empty (TRUNCATE is not MVCC-safe), so such readers should retry after a rebuild."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"TRUNCATE {', '.join(table.name for table in t.PROJECTIONS)}"))
        return
    for table in reversed(t.PROJECTIONS):
        conn.execute(delete(table))


def insert_all(conn: Connection, table: Table, rows: Iterable[Row]) -> None:
    with bulk_load(conn, table) as write:
        for row in rows:
            write(row)


def _as_dict(table: Table, values: Row) -> dict[str, Any]:
    return dict(zip(batch.column_names(table), values, strict=True))


def region_values(r: Region) -> Row:
    return (r.code, r.name, r.level, r.parent)


def tps_values(x: Tps) -> Row:
    return (x.code, x.kelurahan, x.number, x.dpt, x.dpt_male, x.dpt_female, x.address, x.lat_e6, x.lon_e6, x.hours,
            x.access)  # fmt: skip


def contest_values(c: Contest) -> Row:
    cands = [{"number": k.number, "names": list(k.names), "party": k.party, "color": k.color} for k in c.candidates]
    return (c.id, c.election, c.name, c.scope, json.dumps(cands))


def election_values(e: Election) -> Row:
    return (e.id, e.name, e.date)


def _votes_text(votes: Mapping[int, int]) -> str:
    return codec.dumps({str(k): v for k, v in sorted(votes.items())})


def _list_text(items: Sequence[Any]) -> str:
    return codec.dumps(items) if items else "[]"  # photos and findings are nearly always none


def submission_values(s: LoggedSubmission) -> Row:
    src = s.source
    return (
        s.seq,
        s.tps,
        s.contest,
        src.kind,
        src.candidate,
        codec.canonical_dumps(s.result.to_payload()),
        _list_text(s.photos),
        _list_text([f.to_payload() for f in s.findings]),
        s.corrects,
        s.reason,
        s.verified,
        s.actor,
        s.at,
        s.rules,
        _list_text(s.unchecked),
        src.name,
    )


def accepted_values(key: tuple[str, str], a: Accepted, disagreement: bool) -> Row:
    r = a.result
    return (
        key[0],
        key[1],
        a.seq,
        a.source,
        _votes_text(r.votes),
        r.valid,
        r.invalid,
        r.used,
        r.unused,
        r.damaged,
        r.dpt,
        r.dptb,
        r.dpk,
        r.voters,
        _list_text([f.to_payload() for f in a.findings]),
        disagreement,
        a.at,
        a.held,
    )


def totals_values(key: tuple[str, str], x: Totals) -> Row:
    return (key[0], key[1], _votes_text(x.votes), *x.counts, x.last_seq, x.updated_at)


def totals_of_row(row: Any) -> Totals:
    """A stored totals row as the fold's Totals."""
    votes = {int(k): v for k, v in codec.loads(row.votes).items()}
    return Totals(votes, [getattr(row, name) for name in TOTALS_COUNTS], row.last_seq, row.updated_at)


def recap_values(r: Recap) -> Row:
    result = codec.canonical_dumps(r.result.to_payload()) if r.result is not None else None
    return (
        r.region, r.contest, r.status, result, _list_text(r.photos), _list_text([f.to_payload() for f in r.findings]),
        r.source, r.entered_seq, r.entered_by, r.entered_at, r.started_at, r.signed_seq, r.signed_by, r.signed_at,
        r.explanation, r.reopened_by, r.reopened_at, r.reason, r.entries[-1] if r.entries else 0,
    )  # fmt: skip


def changed_rows(state: State, ch: Changes) -> list[batch.Part]:
    """The rows one entry's (or one batch's) changes write, by table; the streams go by `persist_streams`."""
    disagreeing = state.disagreeing
    return [
        (t.regions, [region_values(r) for r in {r.code: r for r in ch.regions}.values()], True),
        (t.tps, [tps_values(x) for x in {x.code: x for x in ch.tps}.values()], True),
        (t.elections, [election_values(e) for e in {e.id: e for e in ch.elections}.values()], True),
        (t.contests, [contest_values(c) for c in {c.id: c for c in ch.contests}.values()], True),
        (t.submissions, [submission_values(s) for s in ch.submissions], False),
        (t.accepted, [accepted_values(k, state.accepted[k], k in disagreeing) for k in sorted(ch.accepted)], True),
        (t.totals, [totals_values(k, state.totals[k]) for k in sorted(ch.totals)], True),
        (t.recaps, [recap_values(state.recaps[k]) for k in sorted(ch.recaps)], True),
    ]


def persist_streams(conn: Connection, ch: Changes) -> None:
    for region, url in ch.streams:
        conn.execute(delete(t.streams).where(t.streams.c.region == region))
        if url:
            conn.execute(t.streams.insert(), {"region": region, "url": url})


def all_rows(state: State) -> Iterator[tuple[Table, Iterable[Row]]]:
    """Every projection row of the state but the submissions (which a rebuild writes as the fold makes them)."""
    yield t.regions, (region_values(r) for r in state.regions.values() if r.code != NATION)
    yield t.tps, map(tps_values, state.tps.values())
    yield t.elections, map(election_values, state.elections.values())
    yield t.contests, map(contest_values, state.contests.values())
    disagreeing = state.disagreeing
    yield t.accepted, (accepted_values(k, a, k in disagreeing) for k, a in state.accepted.items())
    yield t.totals, (totals_values(k, x) for k, x in state.totals.items())
    yield t.streams, state.streams.items()
    yield t.recaps, map(recap_values, state.recaps.values())
