"""Benchmark 5: the same ingest on embedded SQLite (no target: it must not corrupt or deadlock), and its
baseline: single-row INSERT + COMMIT with the same pragmas (WAL, synchronous=FULL)."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path


def insert_baseline(path: Path, body: bytes, seconds: float) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE bench_baseline (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
    text = body.decode()
    n, started = 0, time.monotonic()
    while time.monotonic() - started < seconds:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO bench_baseline (body) VALUES (?)", (text,))
        conn.execute("COMMIT")
        n += 1
    took = time.monotonic() - started
    conn.close()
    path.unlink()
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return n / took


def integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()
