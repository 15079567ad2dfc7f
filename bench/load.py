"""Closed-loop load: N connections each send their next request as soon as the last one is answered,
bounded by a count and a time limit; a run may go to a child process so two loads do not share a core."""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import os
import time
from collections.abc import Callable
from typing import Any

from bench.http import Answer, Connection
from bench.stats import Load

#: The requests of item i (sent one after another on one connection), or None when there are no more.
Items = Callable[[int], tuple[bytes, ...] | None]
#: Called with the item index, its last answer and the monotonic time it was acknowledged.
OnAnswer = Callable[[int, Answer, float], None]


def _loop_policy() -> None:
    try:
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    except ImportError:
        pass


async def closed_loop(
    port: int, items: Items, concurrency: int, seconds: float, on_answer: OnAnswer | None = None
) -> Load:
    load = Load()
    kind_of: Callable[[int], str] | None = getattr(items, "kind", None)  # items that tell their kinds apart
    next_item = 0
    started = time.monotonic()
    deadline = started + seconds

    async def worker() -> None:
        nonlocal next_item
        conn = Connection("127.0.0.1", port)
        while time.monotonic() < deadline:
            i, next_item = next_item, next_item + 1
            requests = items(i)
            if requests is None:
                break
            t0 = time.monotonic()
            try:
                for req in requests:
                    answer = await conn.send(req)
                    if answer.status >= 300:
                        break
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                load.errors[type(exc).__name__] += 1
                continue
            t1 = time.monotonic()
            load.statuses[answer.status] += 1
            if answer.status < 300:
                load.latencies.append(t1 - t0)
                if kind_of is not None:
                    load.by_kind.setdefault(kind_of(i), []).append(t1 - t0)
                if on_answer:
                    on_answer(i, answer, t1)
        conn.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    load.seconds = time.monotonic() - started
    return load


def run_closed_loop(port: int, items: Items, concurrency: int, seconds: float) -> Load:
    _loop_policy()
    return asyncio.run(closed_loop(port, items, concurrency, seconds))


def _child(conn: Any, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    out = fn(*args)
    t = os.times()
    conn.send((out, t.user + t.system))
    conn.close()


class InChild:
    """`fn(*args)` in a spawned process; `result()` waits for what it returned; `cpu` is the CPU seconds it used."""

    def __init__(self, fn: Callable[..., Any], *args: Any) -> None:
        ctx = mp.get_context("spawn")
        self._recv, send = ctx.Pipe(duplex=False)
        self.proc = ctx.Process(target=_child, args=(send, fn, args), daemon=True)
        self.proc.start()

    def result(self, timeout: float = 900) -> Any:
        if not self._recv.poll(timeout):
            self.proc.kill()
            raise TimeoutError("load process did not finish")
        out, self.cpu = self._recv.recv()
        self.proc.join(10)
        return out
