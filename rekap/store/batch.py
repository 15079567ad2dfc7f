"""Writing a group commit's rows: one statement per table however many rows the batch has.

PostgreSQL gets `INSERT … SELECT * FROM unnest(one array per column)`: the text of the statement does not
depend on the number of rows, so psycopg prepares it once and the server neither parses nor plans it again,
and a hundred rows cost one statement instead of a hundred. `write` puts every table of a batch into one
statement (data-modifying CTEs), so the transaction waits for the server once, not once per table: each
wait also hands the GIL to the event loop, which may keep it for a while. SQLite runs in process, so
executemany is already as cheap as it gets there.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any, Final, Literal

import psycopg
from psycopg.sql import Identifier
from sqlalchemy import BigInteger, Boolean, Connection, Executable, Integer, SmallInteger, Table
from sqlalchemy.dialects import sqlite

Rows = list[tuple[Any, ...]]  # each row's values in the order of its table's columns
#: True: a row replaces the one with its key; False: the rows are new; KEEP: a row whose key is there is left out
Replace = bool | Literal["keep"]
KEEP: Final = "keep"
Part = tuple[Table, Rows, Replace]  # a table, its rows, and what a row whose key is there does


def _pg_type(column: Any) -> str:
    for kind, name in ((BigInteger, "int8"), (SmallInteger, "int2"), (Integer, "int4"), (Boolean, "bool")):
        if isinstance(column.type, kind):
            return name
    return "text"  # String and Text columns: text converts to varchar on assignment


@cache
def _pg_statement(table: Table, upsert: Replace) -> str:
    quote = Identifier
    names = [c.name for c in table.columns]
    cols = ", ".join(quote(n).as_string() for n in names)
    arrays = ", ".join(f"%b::{_pg_type(c)}[]" for c in table.columns)  # binary: psycopg dumps text arrays in Python
    sql = f"INSERT INTO {quote(table.name).as_string()} ({cols}) SELECT * FROM unnest({arrays})"
    keys = [c.name for c in table.primary_key.columns]
    if upsert == KEEP:
        sql += f" ON CONFLICT ({', '.join(quote(k).as_string() for k in keys)}) DO NOTHING"
    elif upsert:
        sets = ", ".join(f"{quote(n).as_string()} = EXCLUDED.{quote(n).as_string()}" for n in names if n not in keys)
        sql += f" ON CONFLICT ({', '.join(quote(k).as_string() for k in keys)}) DO UPDATE SET {sets}"
    return sql


@cache
def _sqlite_statement(table: Table, upsert: Replace) -> Executable:
    """Built once per table: a fresh statement per call would also defeat SQLAlchemy's compiled cache."""
    if not upsert:
        return table.insert()
    keys = [c.name for c in table.primary_key.columns]
    stmt = sqlite.insert(table)
    if upsert == KEEP:
        return stmt.on_conflict_do_nothing(index_elements=keys)
    return stmt.on_conflict_do_update(
        index_elements=keys, set_={c.name: stmt.excluded[c.name] for c in table.columns if c.name not in keys}
    )


def _driver(conn: Connection) -> psycopg.Connection[Any]:
    return conn.connection.driver_connection  # type: ignore[return-value]


def insert(conn: Connection, table: Table, rows: Rows, *, upsert: Replace = False) -> None:
    """Insert `rows` (each with every column of `table`); with `upsert`, a row whose primary key exists
    replaces it (KEEP: is left out). The keys of one call must be distinct: one statement may not change a row
    twice."""
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        names = column_names(table)
        conn.execute(_sqlite_statement(table, upsert), [dict(zip(names, r, strict=True)) for r in rows])
        return
    _driver(conn).execute(_pg_statement(table, upsert), _columns(table, rows))


def upsert(conn: Connection, table: Table, rows: Rows) -> None:
    insert(conn, table, rows, upsert=True)


@cache
def column_names(table: Table) -> tuple[str, ...]:
    return tuple(c.name for c in table.columns)


@cache
def key_positions(table: Table) -> tuple[int, ...]:
    """Where a row's primary key is among its values."""
    return tuple(i for i, c in enumerate(table.columns) if c.primary_key)


def _columns(table: Table, rows: Rows) -> list[list[Any]]:
    """One array per column: the rows transposed."""
    columns = [list(col) for col in zip(*rows, strict=True)]
    assert len(columns) == len(table.columns), (table.name, len(columns))
    return columns


def write(conn: Connection, parts: list[Part], then: str, params: Sequence[Any]) -> None:
    """PostgreSQL only: the non-empty parts as data-modifying CTEs of the statement `then` (with `params`),
    all sent and answered as one. Each table may appear once: the CTEs all see the same snapshot."""
    parts = [p for p in parts if p[1]]
    ctes = ", ".join(f"w{i} AS ({_pg_statement(table, replace)})" for i, (table, _, replace) in enumerate(parts))
    args = [col for table, rows, _ in parts for col in _columns(table, rows)]
    _driver(conn).execute(f"WITH {ctes} {then}" if ctes else then, [*args, *params])
