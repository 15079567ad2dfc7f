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
    def __init__(self, paths: list[str], once: bool = False) -> None:
        self.paths = paths
        self.requests = [(encode("GET", p),) for p in paths]
        self.once = once

    def __call__(self, i: int) -> tuple[bytes, ...] | None:
        if self.once and i >= len(self.requests):
            return None
        return self.requests[i % len(self.requests)]

    def kind(self, i: int) -> str:
        path = self.paths[i % len(self.paths)]
        return "TPS pages" if path.startswith("/api/v1/tps/") else "totals" if "/totals/" in path else "other"


def reads(port: int, paths: list[str], seconds: float, concurrency: int = CONCURRENCY) -> Load:
    """Runs in a child process."""
    return run_closed_loop(port, Gets(paths), concurrency, seconds)


def first_pass(port: int, paths: list[str], seconds: float, concurrency: int = CONCURRENCY) -> Load:
    """Each path once, against answers nobody has asked for yet (runs in a child process): the server's cold
    cost, reported apart; the timed phase then measures election night's steady state, where readers keep
    opening the same pages while ingest keeps changing some of them."""
    return run_closed_loop(port, Gets(paths, once=True), concurrency, seconds)
