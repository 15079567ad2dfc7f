"""Benchmark 1: TPS results submitted over HTTP until acknowledged, and its baseline: single-row INSERT + COMMIT."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from bench.http import Answer, encode
from bench.load import closed_loop, run_closed_loop
from bench.photos import form_with_photo, photo_for
from bench.stats import Load


def read_bodies(results: Path, start: int = 0, count: int | None = None) -> list[bytes]:
    with results.open("rb") as f:
        lines = [line.rstrip(b"\n") for line in f]
    return lines[start : None if count is None else start + count]


class Submissions:
    """Item i: the i-th submission body of the stream (wrapping round as a resubmission once all TPS are in),
    sent by one of the officers' tokens with an Idempotency-Key, with its photo in the same request when there are
    photos."""

    def __init__(self, bodies: list[bytes], tokens: list[str], photos: bool, limit: int, tag: str) -> None:
        self.bodies, self.tokens, self.photos, self.limit, self.tag = bodies, tokens, photos, limit, tag

    def __call__(self, i: int) -> tuple[bytes, ...] | None:
        if i >= self.limit:
            return None
        body = self.bodies[i % len(self.bodies)]
        auth = {"Authorization": f"Bearer {self.tokens[i % len(self.tokens)]}"}
        tps = body[8 : body.index(b'"', 8)].decode()  # the generator writes {"tps":"…" first
        headers = auth | {"Content-Type": "application/json", "Idempotency-Key": f"{self.tag}:{tps}:{i}"}
        if not self.photos:
            return (encode("POST", "/api/v1/submissions", body, headers),)
        _, data = photo_for(f"{tps}:{self.tag}:{i}")
        content_type, form = form_with_photo(body, data)  # the result names no photo: the one sent is its photo
        return (encode("POST", "/api/v1/submissions", form, headers | {"Content-Type": content_type}),)


@dataclass
class IngestRun:
    load: Load
    acks: list[tuple[int, float]] = field(default_factory=list)  # (log seq, monotonic time acknowledged)


def ingest(
    port: int, results: Path, start: int, tokens: list[str], photos: bool, concurrency: int, seconds: float, tag: str
) -> IngestRun:
    """Runs in a child process: as many submissions as the time allows, every 10th acknowledgement kept."""
    import asyncio

    bodies = read_bodies(results)
    bodies = bodies[start:] + bodies[:start]
    items = Submissions(bodies, tokens, photos, limit=10**9, tag=tag)
    run = IngestRun(Load())

    def keep(i: int, answer: Answer, at: float) -> None:
        if i % 10 == 0:
            run.acks.append((json.loads(answer.body)["seq"], at))

    from bench.load import _loop_policy

    _loop_policy()
    run.load = asyncio.run(closed_loop(port, items, concurrency, seconds, keep))
    return run


def count_only(port: int, results: Path, start: int, tokens: list[str], count: int, concurrency: int, tag: str) -> Load:
    """A burst of exactly `count` submissions from `start` in the stream, as fast as they go."""
    bodies = read_bodies(results)
    items = Submissions(bodies[start:] + bodies[:start], tokens, False, count, tag)
    return run_closed_loop(port, items, concurrency, 600)


def insert_baseline(db_url: str, body: bytes, seconds: float) -> float:
    """Rows/s of the barest durable write: one INSERT and one COMMIT per row, one connection, psycopg."""
    url = db_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TABLE bench_baseline (id bigserial PRIMARY KEY, body text NOT NULL)")
        conn.commit()
        text = body.decode()
        n, started = 0, time.monotonic()
        while time.monotonic() - started < seconds:
            conn.execute("INSERT INTO bench_baseline (body) VALUES (%s)", (text,))
            conn.commit()
            n += 1
        took = time.monotonic() - started
        conn.execute("DROP TABLE bench_baseline")
        conn.commit()
    return n / took
