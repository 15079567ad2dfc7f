"""The real count: every region's totals in every contest, with progress, as the read side serves them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rekap.domain.contest import Contest
from rekap.domain.fold import TOTALS_COUNTS, Totals
from rekap.services.contests import Contests
from rekap.services.read_model import ReadModel, RegionTree
from rekap.services.regions import known
from rekap.services.views import PROVISIONAL_NOTE, CandidateVotes, Progress, RegionRef, TotalsCore, TotalsView
from rekap.store import totals as stored
from rekap.store.db import Database

_NOTHING_YET = Totals()


def totals_core(region: RegionRef, x: Totals | None, numbers: Sequence[int]) -> TotalsCore:
    """One region's totals as served (None: nothing counted yet)."""
    x = x or _NOTHING_YET
    progress = Progress(x.tps_reported, x.tps_total, x.dpt_reported, x.dpt_total)
    votes = [CandidateVotes(n, x.votes.get(n, 0)) for n in numbers]
    n = x.tps_reported
    covers = {"valid": n - x.valid_unknown, "invalid": n - x.invalid_unknown, "voters": n - x.voters_unknown}
    return TotalsCore(
        region, votes, _known(x.valid, covers["valid"], n), _known(x.invalid, covers["invalid"], n),
        _known(x.voters, covers["voters"], n), progress, x.flagged, x.disagreements, x.last_seq, x.updated_at,
        x.held, covers,
    )  # fmt: skip


def _known(total: int, covered: int, reported: int) -> int | None:
    """A count's sum, or None when TPS are counted and none of them gave it: unknown, not zero."""
    return None if reported and not covered else total


def totals_view(
    tree: RegionTree, contest: Contest, code: str, totals_of: Callable[[str], Totals | None], simulated: bool
) -> TotalsView:
    """A region's totals with its children and path."""
    numbers = contest.numbers
    c = totals_core(RegionRef.of(known(tree, code)), totals_of(code), numbers)
    children = [
        totals_core(RegionRef.of(known(tree, k)), totals_of(k), numbers)
        for k in tree.shown_children(code, contest.scope)
    ]
    path = [RegionRef.of(r) for r in tree.ancestors(code)]
    return TotalsView(
        c.region, c.votes, c.valid, c.invalid, c.voters, c.progress, c.flagged, c.disagreements, c.last_seq,
        c.updated_at, c.held, c.covers, contest.id, simulated, PROVISIONAL_NOTE, path, children,
    )  # fmt: skip


def totals_row(region: str, contest: str, x: Totals) -> dict[str, Any]:
    """A totals row as stored and as auditors compare it: votes by ballot number (as text), every count."""
    votes = {str(k): v for k, v in sorted(x.votes.items())}
    counts = dict(zip(TOTALS_COUNTS, x.counts, strict=True))
    return {"region": region, "contest": contest, "votes": votes, **counts, "last_seq": x.last_seq,
            "updated_at": x.updated_at}  # fmt: skip


#: committed entries a second from which ingest counts as busy
BUSY_ENTRIES_PER_SECOND = 50


class RealCount:
    def __init__(
        self, model: ReadModel, contests: Contests, db: Database, simulated: bool, entries_per_second: Callable[[], int]
    ) -> None:
        self.model, self.contests, self.db, self.simulated = model, contests, db, simulated
        #: how busy the log is (committed entries folded here in the last second): how stale a hot total may be
        self.entries_per_second = entries_per_second

    def busy(self) -> bool:
        """Whether results arrive fast enough that answers may be a fraction of a second old (see AnswerCache)."""
        return self.entries_per_second() >= BUSY_ENTRIES_PER_SECOND

    def totals(self, contest_id: str, region: str) -> TotalsView:
        """From the committed read model in memory: no database round trip."""
        contest = self.contests.contest(contest_id)
        model = self.model
        return totals_view(
            model.structure.tree, contest, region, lambda code: model.totals(code, contest_id), self.simulated
        )

    def stored_totals(self, contest_id: str) -> list[dict[str, Any]]:
        """Every region's totals of one contest, as stored: what `rekap verify --url` compares against."""
        self.contests.contest(contest_id)
        with self.db.reader.connect() as conn:
            rows = stored.of_contest(conn, contest_id)
        return [totals_row(region, contest_id, x) for region, x in rows.items()]

    def region_version(self, region: str, contest: str) -> tuple[int, int]:
        return self.model.region_version(region, contest)

    def tps_version(self, tps: str) -> tuple[int, int]:
        return self.model.tps_version(tps)
