"""What every use case needs: settings, database, ledger, photo files, the notification bus, the read model,
and where this machine's log writer listens when another process writes."""

from __future__ import annotations

from dataclasses import dataclass

from rekap.services.bus import Bus
from rekap.services.readmodel import Board
from rekap.services.writer import WriterClient
from rekap.settings import Settings
from rekap.store.async_reads import AsyncReads
from rekap.store.db import Database
from rekap.store.ledger import Ledger
from rekap.store.photos import PhotoFiles


@dataclass
class Context:
    settings: Settings
    db: Database
    ledger: Ledger
    photos: PhotoFiles
    bus: Bus
    board: Board
    writer: WriterClient | None = None  # this machine's log writer, when another process writes
    async_reads: AsyncReads | None = None  # reads awaited on the event loop (PostgreSQL)

    @classmethod
    def open(cls, settings: Settings, db: Database) -> Context:
        bus = Bus()
        ledger = Ledger(db, on_commit=bus.publish)
        writer = WriterClient(settings.writer_socket) if settings.writer_socket else None
        reads = None if db.is_sqlite else AsyncReads(db.url)
        return cls(settings, db, ledger, PhotoFiles(settings.photo_dir), bus, Board(ledger, bus), writer, reads)
