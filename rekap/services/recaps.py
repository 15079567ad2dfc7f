"""The recaps (D-forms) of every tier: entering, signing off and reopening them, and each one compared with the
sum of its children and with the real count, recomputed as late or corrected C1s arrive.

Comparisons are kept per (region, contest) and dropped when a commit changes the totals or the recap of that
region or of one of its children: a C1 drops the few along its path, and nothing is recomputed until read.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from rekap.domain.contest import Contest
from rekap.domain.errors import PhotoMissing
from rekap.domain.fold import Recap, Totals
from rekap.domain.log import Entry
from rekap.domain.recap import (
    Operator,
    RecapFigures,
    plan_recap_entered,
    plan_recap_reopened,
    plan_recap_signed_off,
    plan_recap_started,
)
from rekap.domain.recap_compare import Child, Difference, Explained, Figures, compare
from rekap.domain.regions import parent_of
from rekap.domain.rules import Finding
from rekap.log.commands import Command
from rekap.log.commits import Committed
from rekap.log.writer import LogWriter
from rekap.services.contests import Contests
from rekap.services.read_model import ReadModel, RegionTree
from rekap.services.regions import known
from rekap.services.views import RegionRef
from rekap.store import photos as stored_photos
from rekap.store import recaps as stored
from rekap.store.db import Database


@dataclass(frozen=True)
class ExplainedView:
    child: RegionRef
    votes: int  # its recap minus its TPS sum
    changed_tps: list[str] = field(default_factory=list)  # TPS changed after it signed


@dataclass(frozen=True)
class DifferenceView:
    count: str
    recap: int
    children: int
    real: int
    at_this_tier: int
    from_real: int
    explained_by: list[ExplainedView]
    incomplete: list[RegionRef]


@dataclass(frozen=True)
class RecapView:
    """A region's recap in a contest: its life so far, its figures, and every difference."""

    region: RegionRef
    contest: str
    status: str
    votes: dict[int, int] | None
    counts: dict[str, int] | None  # every other count of the D-form
    photos: list[str]
    findings: list[Finding]
    source: str
    entered_seq: int
    entered_by: str
    entered_at: str
    started_at: str
    signed_seq: int
    signed_by: str
    signed_at: str
    explanation: str
    reopened_by: str
    reopened_at: str
    reason: str
    differences: list[DifferenceView]
    changed_since_signed: list[str]  # TPS whose result changed after this recap was signed off
    provisional: bool = True


@dataclass(frozen=True)
class ProgressLine:
    region: RegionRef
    status: str
    signed_at: str
    differences: int
    stream: str | None


@dataclass(frozen=True)
class RecapProgress:
    """Which children of a region have finished their plenary."""

    region: RegionRef
    contest: str
    lines: list[ProgressLine]
    counts: dict[str, int]  # children per status


def _recap_view(
    region: RegionRef, contest: str, r: Recap, diffs: list[DifferenceView], changed: list[str]
) -> RecapView:
    res = r.result
    counts = None if res is None else {k: v for k, v in res.to_payload().items() if k != "votes"}
    return RecapView(
        region, contest, r.status, dict(res.votes) if res else None, counts, list(r.photos), list(r.findings),
        r.source, r.entered_seq, r.entered_by, r.entered_at, r.started_at, r.signed_seq, r.signed_by, r.signed_at,
        r.explanation, r.reopened_by, r.reopened_at, r.reason, diffs, changed,
    )  # fmt: skip


@dataclass(frozen=True)
class RecapReads:
    """What a recap's comparison reads, in one contest: the committed read model, or one snapshot of the store
    (`rekap publish`, which never folds the log)."""

    tree: RegionTree
    contest: Contest
    recap: Callable[[str], Recap | None]
    totals: Callable[[str], Totals | None]
    changed_after: Callable[[str, int], list[str]]  # TPS within a region whose result was logged after a seq


def recap_view(reads: RecapReads, code: str) -> RecapView:
    """A region's recap compared with the sum of its children and with the real count."""
    ref = RegionRef.of(known(reads.tree, code))
    recap = reads.recap(code) or Recap(code, reads.contest.id)
    if recap.result is None:
        return _recap_view(ref, reads.contest.id, recap, [], [])
    real = Figures.of_totals(reads.totals(code))
    diffs = compare(reads.contest.numbers, Figures.of_result(recap.result), real, _children(reads, code))
    changed = reads.changed_after(code, recap.signed_seq) if recap.signed_seq else []
    return _recap_view(ref, reads.contest.id, recap, [_difference(reads.tree, d) for d in diffs], changed)


def _children(reads: RecapReads, code: str) -> list[Child]:
    if reads.tree.regions[code].level >= 4:
        return []
    out = []
    for kid in reads.tree.shown_children(code, reads.contest.scope):
        t = reads.totals(kid)
        r = reads.recap(kid)
        figures = Figures.of_result(r.result) if r is not None and r.result is not None else None
        real = Figures.of_totals(t)
        changed: tuple[str, ...] = ()
        if r is not None and r.signed_seq and figures != real:
            changed = tuple(reads.changed_after(kid, r.signed_seq))
        incomplete = t is None or t.tps_reported < t.tps_total
        out.append(Child(kid, real, figures, r.signed_seq if r else 0, incomplete, changed))
    return out


def _difference(tree: RegionTree, d: Difference) -> DifferenceView:
    def explained(e: Explained) -> ExplainedView:
        return ExplainedView(RegionRef.of(tree.regions[e.child]), e.votes, list(e.changed_tps))

    return DifferenceView(
        d.count, d.recap, d.children, d.real, d.at_this_tier, d.from_real,
        [explained(e) for e in d.explained_by], [RegionRef.of(tree.regions[c]) for c in d.incomplete],
    )  # fmt: skip


class Recaps:
    def __init__(self, writer: LogWriter, model: ReadModel, contests: Contests, db: Database) -> None:
        self.writer, self.model, self.contests, self.db = writer, model, contests, db
        self._cache: dict[tuple[str, str], RecapView] = {}
        self._lock = threading.Lock()

    # --- the plenary's steps ------------------------------------------------------------------------------

    def start(self, who: Operator, region: str, contest: str) -> Entry:
        return self.writer.append(Command(partial(plan_recap_started, region=region, contest=contest, who=who)))

    def enter(self, who: Operator, fig: RecapFigures, source: str = "operator") -> Entry:
        self._check_photos(fig.photos)
        return self.writer.append(Command(partial(plan_recap_entered, fig=fig, who=who, source=source)))

    def sign_off(self, who: Operator, region: str, contest: str, explanation: str) -> Entry:
        plan = partial(plan_recap_signed_off, region=region, contest=contest, explanation=explanation, who=who)
        return self.writer.append(Command(plan))

    def reopen(self, who: Operator, region: str, contest: str, reason: str) -> Entry:
        plan = partial(plan_recap_reopened, region=region, contest=contest, reason=reason, who=who)
        return self.writer.append(Command(plan))

    def _check_photos(self, photos: tuple[str, ...]) -> None:
        with self.db.reader.connect() as conn:
            missing = sorted(set(photos) - stored_photos.known(conn, list(photos)))
        if missing:
            raise PhotoMissing(f"upload photo {missing[0]} with PUT /api/v1/photos/{missing[0]} first", field="photos")

    # --- the read side ------------------------------------------------------------------------------------

    def heard(self, event: Committed) -> None:
        """A commit: forget the comparisons it may change (its regions' and their parents'). After the read
        model, so a comparison made again sees the new totals."""
        if not self._cache:
            return
        with self._lock:
            for region, contest in (*event.totals, *event.recaps):
                self._cache.pop((region, contest), None)
                parent = parent_of(region)
                if parent is not None:
                    self._cache.pop((parent, contest), None)
            if any(k in ("regions.imported", "election.defined") for k in event.kinds):
                self._cache.clear()

    def view(self, contest_id: str, region: str) -> RecapView:
        key = (region, contest_id)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        seen = self.model.seq
        view = self._view(contest_id, region)
        with self._lock:
            if self.model.seq == seen:  # no commit in between that it might have missed
                self._cache[key] = view
        return view

    def _view(self, contest_id: str, code: str) -> RecapView:
        contest = self.contests.contest(contest_id)

        def changed_after(region: str, seq: int) -> list[str]:
            with self.db.reader.connect() as conn:
                return stored.changed_after(conn, region, contest_id, seq)

        reads = RecapReads(
            self.model.structure.tree, contest, lambda c: self.model.recap(c, contest_id),
            lambda c: self.model.totals(c, contest_id), changed_after,
        )  # fmt: skip
        return recap_view(reads, code)

    def progress(self, contest_id: str, code: str, streams: dict[str, str]) -> RecapProgress:
        """The recap status of each child of a region (and of the region itself first)."""
        contest = self.contests.contest(contest_id)
        tree = self.model.structure.tree
        ref = RegionRef.of(known(tree, code))
        lines = []
        counts: dict[str, int] = {}
        for kid in tree.shown_children(code, contest.scope):
            v = self.view(contest_id, kid)
            counts[v.status] = counts.get(v.status, 0) + 1
            lines.append(ProgressLine(v.region, v.status, v.signed_at, len(v.differences), streams.get(kid)))
        return RecapProgress(ref, contest_id, lines, counts)
