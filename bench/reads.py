"""Benchmark 3: public reads (totals at every tier and TPS pages) at concurrency 64, and the static-bytes baseline."""

from __future__ import annotations

import random

from bench.http import encode
from bench.load import run_closed_loop
from bench.stats import Load

CONCURRENCY = 64


def read_paths(contest: str, regions: list[str], tps: list[str], n: int = 5000, seed: int = 1) -> list[str]:
    """What readers open on election night: half totals pages (any tier), half TPS pages."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        if i % 2:
            out.append(f"/api/v1/tps/{rng.choice(tps)}")
        else:
            out.append(f"/api/v1/contests/{contest}/totals/{rng.choice(regions)}")
    return out


class Gets:
    def __init__(self, paths: list[str], once: bool = False, browser: bool = False) -> None:
        self.paths = paths
        # a browser asks for compressed pages (served precompressed from the cache)
        headers = {"Accept-Encoding": "gzip, deflate, br"} if browser else None
        self.requests = [(encode("GET", p, headers=headers),) for p in paths]
        self.once = once

    def __call__(self, i: int) -> tuple[bytes, ...] | None:
        if self.once and i >= len(self.requests):
            return None
        return self.requests[i % len(self.requests)]

    def kind(self, i: int) -> str:
        path = self.paths[i % len(self.paths)]
        if path.startswith(("/api/v1/tps/", "/tps/")):
            return "TPS pages"
        return "totals" if "/totals/" in path else "pages" if path == "/" or path.startswith("/c/") else "other"


def reads(port: int, paths: list[str], seconds: float, concurrency: int = CONCURRENCY, browser: bool = False) -> Load:
    """Runs in a child process."""
    return run_closed_loop(port, Gets(paths, browser=browser), concurrency, seconds)


#: each path sent this many times in a row, on as many connections, to warm every worker: a connection sticks to one
#: worker (SO_REUSEPORT picks it), so with 2 workers a path reaches both with probability 1 - 2 / 2**8 > 99 %
WARM_COPIES = 8


def warm_every_worker(port: int, paths: list[str], seconds: float, concurrency: int = CONCURRENCY) -> Load:
    """Runs in a child process: after the first pass, every answer built in every worker too (each keeps its own
    copies), so that the timed phase's misses are the answers ingest made stale, not a worker's first reads."""
    return run_closed_loop(port, Gets([p for p in paths for _ in range(WARM_COPIES)], once=True), concurrency, seconds)


def first_pass(port: int, paths: list[str], seconds: float, concurrency: int = CONCURRENCY) -> Load:
    """Each path once, against answers nobody has asked for yet (runs in a child process): the server's cold
    cost, reported apart; the timed phase then measures election night's steady state, where readers keep
    opening the same pages while ingest keeps changing some of them."""
    return run_closed_loop(port, Gets(paths, once=True), concurrency, seconds)
