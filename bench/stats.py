"""Figures of a run: rates, latency percentiles (never averages) and the ratio against the in-run baseline."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile of `values` (p in 0..100); 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))
    return ordered[rank]


@dataclass
class Load:
    """What a closed-loop load run measured."""

    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests only
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    by_kind: dict[str, list[float]] = field(default_factory=dict)  # the latencies again, by kind of request

    def kinds(self, p: float = 99) -> str:
        """The p-th percentile of each kind of request, e.g. "p99 totals 40.1 ms, TPS pages 95.0 ms"."""
        each = [f"{kind} {percentile(values, p) * 1000:.1f} ms" for kind, values in sorted(self.by_kind.items())]
        return f"p{p:g} " + ", ".join(each) if each else ""

    @property
    def ok(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def ms(self, p: float) -> float:
        return percentile(self.latencies, p) * 1000

    def summary(self) -> str:
        failed = sum(n for s, n in self.statuses.items() if s >= 400) + sum(self.errors.values())
        return (
            f"{self.rate:,.0f}/s ({self.ok:,} ok, {failed:,} failed in {self.seconds:.1f} s); "
            f"p50 {self.ms(50):.1f} ms, p99 {self.ms(99):.1f} ms, max {self.ms(100):.1f} ms"
        )


@dataclass
class Figure:
    """One line of the report: the figure, its target, the baseline and their ratio."""

    name: str
    value: float
    unit: str
    detail: str
    target: str = ""
    met: bool | None = None
    baseline: float | None = None
    baseline_name: str = ""
    ratio_target: float | None = None

    @property
    def ratio(self) -> float | None:
        return self.value / self.baseline if self.baseline else None

    def line(self) -> str:
        out = f"{self.name}: {self.value:,.2f} {self.unit} — {self.detail}"
        if self.baseline is not None:
            out += f"; baseline {self.baseline_name} {self.baseline:,.2f} {self.unit}, ratio {self.ratio or 0:.2f}"
        if self.target:
            verdict = "not judged at this scale" if self.met is None else ("met" if self.met else "NOT met")
            out += f"; target {self.target}: {verdict}"
        return out
