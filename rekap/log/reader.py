"""The one reader of the log: a range of entries, optionally only those about some provinces, streamed in order.

The server's catch-up, a rebuild (whole or in parts), `rekap verify`, `rekap export` and the public log API all
read through `read_entries`, and every Entry read back is made by `entry_from_row`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Connection

from rekap.domain.log import Entry
from rekap.store import codec
from rekap.store.log_table import select_entries

#: rows fetched at a time (a server-side cursor on PostgreSQL): the whole log never sits in memory
STREAM_BATCH = 5000


def entry_from_row(row: Any) -> Entry:
    seq, prev_hash, hash_, kind, payload, actor, at = row
    return Entry(seq, prev_hash, hash_, kind, codec.loads(payload), actor, at)


def read_entries(
    conn: Connection,
    after: int = 0,
    upto: int | None = None,
    limit: int | None = None,
    provinces: Iterable[str] | None = None,
    other_provinces: bool = False,
) -> Iterator[Entry]:
    """Entries with after < seq ≤ upto in order, at most `limit`; with `provinces`, see select_entries."""
    query = select_entries(after, upto, limit, provinces, other_provinces)
    rows = conn.execution_options(yield_per=STREAM_BATCH).execute(query)
    try:
        for row in rows:
            yield entry_from_row(row)
    finally:
        rows.close()
