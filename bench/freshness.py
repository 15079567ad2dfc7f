"""Benchmark 2: how long after its acknowledgement a result shows in the national total, polled and over SSE."""

from __future__ import annotations

import asyncio
import bisect
import json
import re
import time

from bench.http import Connection, encode
from bench.load import _loop_policy
from bench.stats import percentile

POLL_EVERY = 0.02


def poll_national(port: int, contest: str, seconds: float) -> list[tuple[float, int, int]]:
    """Runs in a child process: (monotonic time answered, national last_seq, TPS reported) whenever it moved."""

    async def run() -> list[tuple[float, int, int]]:
        conn = Connection("127.0.0.1", port)
        request = encode("GET", f"/api/v1/contests/{contest}/totals/ID")
        seen: list[tuple[float, int, int]] = []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            answer = await conn.send(request)
            at = time.monotonic()
            totals = json.loads(answer.body)
            seq = totals["last_seq"]
            if not seen or seq > seen[-1][1]:
                seen.append((at, seq, totals["progress"]["tps_reported"]))
            await asyncio.sleep(POLL_EVERY)
        conn.close()
        return seen

    _loop_policy()
    return asyncio.run(run())


def watch_events(port: int, path: str, key: str, seconds: float) -> tuple[int, list[tuple[float, int]], str]:
    """Runs in a child process: reads the SSE stream at `path`; (HTTP status, (time, number) whenever a patch
    event carries the value `key` — the national count of TPS in —, the first bytes of the stream)."""

    async def run() -> tuple[int, list[tuple[float, int]], str]:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 22)
        writer.write(encode("GET", path, headers={"Accept": "text/event-stream"}))
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        events: list[tuple[float, int]] = []
        first = ""
        deadline = time.monotonic() + seconds
        while status == 200 and time.monotonic() < deadline:
            try:
                chunk = await asyncio.wait_for(reader.read(1 << 16), deadline - time.monotonic())
            except TimeoutError:
                break
            if not chunk:
                break
            at = time.monotonic()
            first = first or chunk.decode(errors="replace")[:300]
            for line in chunk.split(b"\n"):
                if line.startswith(b"data: {"):
                    value = json.loads(line[6:]).get("values", {}).get(key)
                    if value:
                        events.append((at, int(re.sub(r"\D", "", value))))
        writer.close()
        return status, events, first

    _loop_policy()
    return asyncio.run(run())


def seqs_shown(events: list[tuple[float, int]], polled: list[tuple[float, int, int]]) -> list[tuple[float, int]]:
    """(time, seq) for SSE events that show a count of TPS in: the seq is the last one the poller saw with a
    smaller count, plus one — a lower bound, so SSE delays come out as long as they can be, never shorter."""
    counts = [c for _, _, c in polled]
    out = []
    for at, count in events:
        i = bisect.bisect_left(counts, count)
        if i > 0:
            out.append((at, polled[i - 1][1] + 1))
    return out


def delays(acks: list[tuple[int, float]], seen: list[tuple[float, int]]) -> list[float]:
    """For each acknowledged seq, the time until an observation at or past it (never seen: left out)."""
    if not seen:
        return []
    seqs, out = [], []
    best = 0
    for _at, seq in seen:  # make the observed seqs monotonic, so a bisect finds the first one far enough
        best = max(best, seq)
        seqs.append(best)
    for seq, acked in acks:
        i = bisect.bisect_left(seqs, seq)
        if i < len(seen):
            out.append(max(0.0, seen[i][0] - acked))
    return out


def describe(values: list[float], acks: int) -> str:
    if not values:
        return "never seen"
    return (
        f"p50 {percentile(values, 50) * 1000:.0f} ms, p99 {percentile(values, 99) * 1000:.0f} ms, "
        f"max {percentile(values, 100) * 1000:.0f} ms over {len(values):,} of {acks:,} sampled acknowledgements"
    )
