"""The public log as the API pages it: anyone may read every entry and re-check the chain."""

from __future__ import annotations

from rekap.domain.errors import NotFound
from rekap.log.reader import read_entries
from rekap.services.checkpoints import Checkpoint, Signer
from rekap.services.views import LogEntryView, LogHead, LogPage
from rekap.store import log_table
from rekap.store.db import Database


class PublicLog:
    def __init__(self, db: Database, signer: Signer | None = None) -> None:
        self.db = db
        self.signer = signer
        self._signed: Checkpoint | None = None

    def page(self, after: int, limit: int) -> LogPage:
        with self.db.reader.connect() as conn:
            entries = [LogEntryView(**e.to_dict()) for e in read_entries(conn, after=after, limit=limit)]
        return LogPage(entries, entries[-1].seq if len(entries) == limit else None)

    def head(self) -> LogHead:
        with self.db.reader.connect() as conn:
            seq, hash_ = log_table.head(conn)
            return LogHead(seq, hash_, log_table.at_of(conn, seq))

    def checkpoint(self) -> bytes:
        """The head, signed with this instance's key: what a reader keeps to catch a later rewrite of the log."""
        if self.signer is None or not self.signer.available:
            raise NotFound("this instance has no checkpoint key (rekap init makes one)", field="checkpoint")
        head = self.head()
        if self._signed is None or self._signed.seq != head.seq:
            self._signed = self.signer.sign(head.seq, head.hash, head.at)
        return self._signed.to_json()
