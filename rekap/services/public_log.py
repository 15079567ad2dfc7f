"""The public log as the API pages it: anyone may read every entry and re-check the chain."""

from __future__ import annotations

from rekap.log.reader import read_entries
from rekap.services.views import LogEntryView, LogHead, LogPage
from rekap.store import log_table
from rekap.store.db import Database


class PublicLog:
    def __init__(self, db: Database) -> None:
        self.db = db

    def page(self, after: int, limit: int) -> LogPage:
        with self.db.reader.connect() as conn:
            entries = [LogEntryView(**e.to_dict()) for e in read_entries(conn, after=after, limit=limit)]
        return LogPage(entries, entries[-1].seq if len(entries) == limit else None)

    def head(self) -> LogHead:
        with self.db.reader.connect() as conn:
            seq, hash_ = log_table.head(conn)
            return LogHead(seq, hash_, log_table.at_of(conn, seq))
