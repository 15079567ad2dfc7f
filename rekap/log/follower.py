"""Keeps a process's fold current with entries other processes append: LISTEN/NOTIFY on PostgreSQL,
a cheap poll of the log head on SQLite."""

from __future__ import annotations

import threading

import psycopg

from rekap.log.writer import LogWriter
from rekap.store import log_table
from rekap.store.db import libpq_dsn


class Follower:
    def __init__(self, writer: LogWriter, poll_seconds: float = 0.25) -> None:
        self.writer = writer
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="log-follower", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        if self.writer.db.is_sqlite:
            self._poll()
        else:
            self._listen()

    def _head(self) -> int:
        with self.writer.db.reader.connect() as conn:
            return log_table.head_seq(conn)

    def _poll(self) -> None:
        while not self._stop.wait(self.poll_seconds):
            if self._head() > self.writer.known_seq:
                self.writer.catch_up()

    def _listen(self) -> None:
        dsn = libpq_dsn(self.writer.db.url)
        while not self._stop.is_set():
            try:
                with psycopg.connect(dsn, autocommit=True) as conn:
                    conn.execute("LISTEN rekap_log")
                    self.writer.catch_up()  # anything committed before we listened
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=self.poll_seconds * 4, stop_after=1):
                            if int(note.payload) > self.writer.known_seq:
                                self.writer.catch_up()
            except psycopg.Error:
                self._stop.wait(1.0)  # database restarting: try again shortly
