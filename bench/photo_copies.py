"""The public photo copies an ingest left to make: they are made off the upload's path, at the lowest priority."""

from __future__ import annotations

import time
from typing import Any

import psycopg

WAIT = 120.0  # seconds to wait for the backlog to clear before the next phase


def _counts(db_url: str) -> tuple[int, int]:
    with psycopg.connect(db_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        row = conn.execute("SELECT count(*) FILTER (WHERE copied_at IS NULL), count(*) FROM photos").fetchone()
        assert row is not None
        return int(row[0]), int(row[1])


def note_backlog(run: Any, db_url: str) -> None:
    """How many photos still waited for their copies when the ingest stopped, and how long they took after."""
    pending, total = _counts(db_url)
    t0 = time.monotonic()
    left = pending
    while left and time.monotonic() - t0 < WAIT:
        time.sleep(0.5)
        left, _ = _counts(db_url)
    took = time.monotonic() - t0
    rate = (pending - left) / took if took else 0
    run.note(
        f"public photo copies: {pending:,} of {total:,} photos still to make when the photo ingest stopped; "
        + (f"all made {took:.1f} s later ({rate:,.0f} photos/s)" if not left else f"{left:,} left after {took:.0f} s")
    )
