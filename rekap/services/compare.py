"""Two sources side by side ("KPU vs real count") for a region: each child's sums by either source, and every
TPS where they differ — the comparison KawalPemilu users relied on.

A source is a label as the TPS page shows it (`import:kpu`, `officer`, `volunteer`, `witness:2`) or `accepted`,
the real count's accepted result. Each TPS is compared on the latest figures of each source. A comparison is
read from the store once and kept until an entry touches the TPS below its region.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from rekap.domain.errors import InvalidInput
from rekap.domain.regions import is_within
from rekap.domain.result import COUNT_FIELDS
from rekap.services.contests import Contests
from rekap.services.read_model import ReadModel
from rekap.services.regions import known
from rekap.services.views import RegionRef
from rekap.store import results as stored
from rekap.store.db import Database

ACCEPTED = "accepted"


@dataclass(frozen=True, slots=True)
class SideSums:
    tps: int  # TPS summed: those both sources have figures for, so that the sums compare
    votes: dict[int, int]


@dataclass(frozen=True, slots=True)
class UnitComparison:
    """One child region (or, at a kelurahan, one TPS) by either source."""

    region: RegionRef
    a: SideSums
    b: SideSums
    differing: int  # TPS below it that both sources have, with different numbers


@dataclass(frozen=True, slots=True)
class TpsDifference:
    tps: str
    a: dict[str, Any]  # votes and counts as that source gave them
    b: dict[str, Any]
    fields: list[str]  # what differs: "votes.2", "valid", …


@dataclass(frozen=True, slots=True)
class SourceComparisonView:
    contest: str
    region: RegionRef
    a: str
    b: str
    sources: list[str]  # every source this region has, to choose from
    total: UnitComparison
    children: list[UnitComparison]
    only_a: list[str]  # TPS only source a has
    only_b: list[str]
    differences: list[TpsDifference] = field(default_factory=list)


def _numbers(result: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {f"votes.{int(k)}": v for k, v in sorted(result["votes"].items(), key=lambda kv: int(kv[0]))}
    out |= {f: result.get(f) for f in COUNT_FIELDS}
    return out


#: comparisons kept per process (region × pair of sources); the least recently asked goes first
KEPT = 512


class SourceComparison:
    """Answered from a view kept per (contest, region, a, b) while the log has nothing new below the region:
    what the TPS of a region were reported as changes only with an entry that the read model saw touch them."""

    def __init__(self, model: ReadModel, contests: Contests, db: Database) -> None:
        self.model, self.contests, self.db = model, contests, db
        self._views: OrderedDict[tuple[str, str, str, str], tuple[Hashable, SourceComparisonView]] = OrderedDict()
        self._labels: dict[str, tuple[int, list[str]]] = {}  # contest → (read model's load, labels logged before)
        self._lock = threading.Lock()

    def sources(self, contest_id: str, region: str) -> list[str]:
        """The sources to choose from: every label the contest's submissions carry, and the real count. Read
        once per load of the read model; the labels logged since come from it."""
        index = self.model.index
        loaded = index.loaded_seq
        seeded = self._labels.get(contest_id)
        if seeded is None or seeded[0] != loaded:
            with self.db.reader.connect() as conn:
                seeded = self._labels[contest_id] = (loaded, stored.source_labels(conn, contest_id))
        return [*sorted(set(seeded[1]) | index.labels_since_load(contest_id)), ACCEPTED]

    def version(self, contest_id: str, region: str) -> tuple[tuple[int, int], int]:
        """What a comparison below `region` depends on: its totals and structure, and the last entry that touched
        a TPS within it (a source's figures may change and no total with them)."""
        return (self.model.region_version(region, contest_id), self.model.index.changed_below(region))

    def compare(self, contest_id: str, region: str, a: str, b: str) -> SourceComparisonView:
        key = (contest_id, region, a, b)
        # read before the figures: a commit in between makes the next read build it again, never a stale hit
        version = self.version(contest_id, region)
        with self._lock:
            hit = self._views.get(key)
            if hit is not None and hit[0] == version:
                self._views.move_to_end(key)
                return hit[1]
        view = self._compare(contest_id, region, a, b)
        with self._lock:
            self._views[key] = (version, view)
            self._views.move_to_end(key)
            while len(self._views) > KEPT:
                self._views.popitem(last=False)
        return view

    def _compare(self, contest_id: str, region: str, a: str, b: str) -> SourceComparisonView:
        contest = self.contests.get(contest_id)
        tree = self.model.structure.tree
        here = RegionRef.of(known(tree, region))
        if not is_within(region, contest.scope) and not is_within(contest.scope, region):
            raise InvalidInput(f"region {region} is outside the scope of {contest_id}", field="region_code")
        with self.db.reader.connect() as conn:
            latest = stored.latest_by_source(conn, contest_id, region)
            accepted = stored.accepted_within(conn, contest_id, region)
        by_source: dict[str, dict[str, dict[str, Any]]] = {}
        for (tps, label), (_seq, result) in latest.items():
            by_source.setdefault(label, {})[tps] = _numbers(result)
        by_source[ACCEPTED] = {
            tps: _numbers({"votes": x.votes, **{f: getattr(x, f) for f in COUNT_FIELDS}})
            for tps, x in accepted.items()
            if not x.held
        }
        for param, name in (("a", a), ("b", b)):
            if name not in by_source and name != ACCEPTED:
                raise InvalidInput(f"no source {name!r} has figures here", field=param)
        left, right = by_source.get(a, {}), by_source.get(b, {})
        numbers = [c.number for c in contest.candidates]
        children = tree.shown_children(region, contest.scope)
        units: dict[str, list[str]] = {c: [] for c in children}

        level = here.level + 1

        def unit_of(tps: str) -> str | None:
            kelurahan = tps.split("-", 1)[0]
            code = ".".join(kelurahan.split(".")[:level])
            if code in units:
                return code
            return next((c for c in children if is_within(kelurahan, c)), None)  # a region above the scope

        differences = []
        for tps in sorted(left.keys() & right.keys()):
            x, y = left[tps], right[tps]  # a count one of them did not give is no difference: it is unknown
            fields = [f for f, v in x.items() if v is not None and y.get(f) is not None and v != y[f]]
            if fields:
                differences.append(TpsDifference(tps, left[tps], right[tps], fields))
        differing = {d.tps for d in differences}
        for tps in left.keys() & right.keys():
            u = unit_of(tps)
            if u is not None:
                units[u].append(tps)

        both = left.keys() & right.keys()

        def side(codes: list[str], values: dict[str, dict[str, Any]]) -> SideSums:
            have = [values[c] for c in codes if c in both]
            return SideSums(len(have), {n: sum(v.get(f"votes.{n}") or 0 for v in have) for n in numbers})

        every = sorted(both)
        rows = [
            UnitComparison(RegionRef.of(known(tree, c)), side(units[c], left), side(units[c], right),
                           len(differing & set(units[c])))
            for c in children
        ]  # fmt: skip
        total = UnitComparison(here, side(every, left), side(every, right), len(differing))
        return SourceComparisonView(
            contest_id, here, a, b, sorted(by_source), total, rows,
            sorted(left.keys() - right.keys()), sorted(right.keys() - left.keys()), differences,
        )  # fmt: skip
