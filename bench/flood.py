"""Benchmark: a read flood must not starve ingest (what took KPU Jabar 2018 down on election night).

A steady ingest — results sent at a fixed rate whatever the server's answers, each timed from the moment it was
due, so a stalled server cannot hide its queue (no coordinated omission) — runs once alone and once under 256
readers opening pages and totals as fast as they are answered; then the home page alone under the same flood.
"""

from __future__ import annotations

import asyncio
import time

from bench.http import Answer, Connection
from bench.ingest import Submissions, read_bodies
from bench.load import Items, _loop_policy
from bench.stats import Load

FLOOD_CONNECTIONS = 256
STEADY_RATE = 200


async def _paced(port: int, items: Items, rate: float, seconds: float) -> Load:
    load = Load()
    idle: list[Connection] = []
    started = time.monotonic()
    pending: set[asyncio.Task[None]] = set()

    async def one(i: int, due: float) -> None:
        requests = items(i)
        if requests is None:
            return

        async def attempt(conn: Connection) -> Answer:
            for req in requests:
                answer = await conn.send(req)
            return answer

        reused = bool(idle)
        conn = idle.pop() if idle else Connection("127.0.0.1", port)
        try:
            try:
                answer = await attempt(conn)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                if not reused:
                    raise
                # a kept-alive connection the server closed while it sat idle: what any HTTP client does, once, on
                # a new one (a submission carries its Idempotency-Key, so a repeat is answered, not counted twice)
                conn = Connection("127.0.0.1", port)
                answer = await attempt(conn)
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            load.errors[type(exc).__name__] += 1
            conn.close()
            return
        load.statuses[answer.status] += 1
        if answer.status < 300:
            load.latencies.append(time.monotonic() - due)
        idle.append(conn)

    i = 0
    while (due := started + i / rate) < started + seconds:
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        task = asyncio.create_task(one(i, due))
        pending.add(task)
        task.add_done_callback(pending.discard)
        i += 1
    if pending:
        await asyncio.wait(pending, timeout=30)
    load.seconds = time.monotonic() - started
    for conn in idle:
        conn.close()
    return load


def steady_ingest(port: int, results: str, start: int, tokens: list[str], seconds: float, tag: str) -> Load:
    """Runs in a child process: STEADY_RATE submissions a second from `start` in the stream."""
    from pathlib import Path

    bodies = read_bodies(Path(results))
    items = Submissions(bodies[start:] + bodies[:start], tokens, False, limit=10**9, tag=tag)
    _loop_policy()
    return asyncio.run(_paced(port, items, STEADY_RATE, seconds))


def page_paths(contest: str, regions: list[str], tps: list[str], n: int = 2000) -> list[str]:
    """What a crowd opens: the home page, region pages at every tier, TPS pages and their totals."""
    out = []
    for i in range(n):
        kind = i % 4
        if kind == 0:
            out.append("/")
        elif kind == 1:
            out.append(f"/c/{contest}/r/{regions[(i * 7919) % len(regions)]}")
        elif kind == 2:
            out.append(f"/tps/{tps[(i * 104729) % len(tps)]}")
        else:
            out.append(f"/api/v1/contests/{contest}/totals/{regions[(i * 31) % len(regions)]}")
    return out
