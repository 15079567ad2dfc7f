"""Confirming a held result: an operator who checked the C1 photo vouches for a count above what the TPS was
sent ballots for (ballots brought from the next TPS, say), and it counts from then on."""

from __future__ import annotations

from functools import partial

from rekap.domain.log import Entry
from rekap.domain.submission import plan_confirmation
from rekap.log.commands import Command
from rekap.log.writer import LogWriter
from rekap.store import results as stored
from rekap.store.db import Database


class Confirmations:
    def __init__(self, writer: LogWriter, db: Database) -> None:
        self.writer, self.db = writer, db

    def tps_of(self, seq: int) -> str | None:
        """The TPS of the submission logged as `seq` (None: no such submission)."""
        with self.db.reader.connect() as conn:
            key = stored.key_of(conn, seq)
        return key[0] if key else None

    def confirm(self, actor: str, scope: str, seq: int, reason: str) -> Entry:
        """`actor` (a token's or a person's id) within `scope` vouches for the held result logged at `seq`."""
        with self.db.reader.connect() as conn:
            key = stored.key_of(conn, seq)
        plan = partial(plan_confirmation, seq=seq, key=key, reason=reason, scope=scope, actor=actor)
        return self.writer.append(Command(plan))
