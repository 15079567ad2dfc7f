"""Lists of the problem TPS below a region: flagged by a rule, where sources disagree, whose kelurahan recap
differs, with no result yet, or corrected. Read from the projection; sorted and filtered as asked. How many
each list holds comes from the read model, for the links of every region page."""

from __future__ import annotations

import json
from dataclasses import dataclass

from rekap.domain.errors import NotFound
from rekap.domain.regions import is_within, level_of
from rekap.services.contests import Contests
from rekap.services.read_model import ReadModel
from rekap.services.recaps import Recaps
from rekap.services.regions import known
from rekap.store import recaps as stored
from rekap.store import results as stored_results
from rekap.store.db import Database

KINDS = ("flagged", "disputed", "recap", "missing", "corrected")
SORTS = ("code", "at", "detail")
LIMIT = 2000  # rows a page shows; downloads have them all


@dataclass(frozen=True)
class ProblemRow:
    tps: str
    kelurahan: str
    kelurahan_name: str
    detail: str  # the rules broken, the sources, the recap's difference…
    at: str


@dataclass(frozen=True)
class ProblemList:
    region: str
    contest: str
    kind: str
    total: int
    rows: list[ProblemRow]


class Problems:
    def __init__(self, model: ReadModel, contests: Contests, recaps: Recaps, db: Database) -> None:
        self.model, self.contests, self.recaps, self.db = model, contests, recaps, db

    def counts(self, contest_id: str, region: str) -> dict[str, int]:
        """How many TPS each list beside the overview holds, from the read model (no SQL: every region page
        shows them); each equals the `total` of its list."""
        within = self._within_scope(contest_id, region)
        t = self.model.totals(within, contest_id) if within else None
        if within is None or t is None:
            return dict.fromkeys(KINDS, 0)
        region = within
        return {
            "flagged": t.flagged,
            "disputed": t.disagreements,
            "recap": sum(self._reported(contest_id, code) for code in self._differing(contest_id, region)),
            "missing": t.tps_total - t.tps_reported - t.held,  # a held result is in, though in no sum
            "corrected": self.model.index.corrected(region, contest_id),
        }

    def _within_scope(self, contest_id: str, region: str) -> str | None:
        """The region whose TPS a list holds: `region`, or the contest's scope for a region above it."""
        scope = self.contests.contest(contest_id).scope
        if is_within(region, scope):
            return region
        return scope if is_within(scope, region) else None

    def _reported(self, contest_id: str, kelurahan: str) -> int:
        t = self.model.totals(kelurahan, contest_id)
        return t.tps_reported + t.held if t is not None else 0

    def _differing(self, contest_id: str, region: str) -> dict[str, str]:
        """Every kelurahan within `region` whose recap differs from the sum of its TPS, with how."""
        out = {}
        for r in self.model.recaps_of(contest_id):
            code = r.region
            if r.result is not None and level_of(code) == 4 and is_within(code, region):
                diffs = self.recaps.view(contest_id, code).differences
                if diffs:
                    out[code] = ", ".join(f"{d.count} {d.from_real:+d}" for d in diffs)
        return out

    def listed(self, contest_id: str, region: str, kind: str, sort: str = "code", desc: bool = False, q: str = "",
             limit: int | None = LIMIT) -> ProblemList:  # fmt: skip
        if kind not in KINDS:
            raise NotFound(f"no problem list {kind!r}; one of {', '.join(KINDS)}", field="kind")
        self.contests.contest(contest_id)
        tree = self.model.structure.tree
        known(tree, region)
        rows = self._rows(contest_id, region, kind)
        needle = q.strip().lower()
        if needle:
            rows = [r for r in rows if needle in f"{r.tps} {r.kelurahan_name} {r.detail}".lower()]
        key = sort if sort in SORTS else "code"
        rows.sort(key=lambda r: (getattr(r, "tps" if key == "code" else key), r.tps), reverse=desc)
        return ProblemList(region, contest_id, kind, len(rows), rows[:limit] if limit else rows)

    def _rows(self, contest_id: str, region: str, kind: str) -> list[ProblemRow]:
        names = self.model.structure.tree.regions
        within = self._within_scope(contest_id, region)
        if within is None:
            return []
        region = within

        def row(tps: str, detail: str, at: str) -> ProblemRow:
            kel = tps.rsplit("-", 1)[0]
            return ProblemRow(tps, kel, names[kel].name if kel in names else kel, detail, at)

        with self.db.reader.connect() as conn:
            if kind == "missing":
                have = {a.tps for a in stored.accepted_under(conn, region, contest_id)}
                return [row(x.code, "", "") for x in stored.tps_under(conn, region) if x.code not in have]
            if kind == "disputed":  # with an accepted result or not (two witnesses may disagree before the officer)
                codes = self.model.index.disputed(region, contest_id)
                sources = stored_results.sources_of(conn, contest_id, codes)
                return [row(c, " ≠ ".join(sources[c][0]), sources[c][1]) for c in codes if c in sources]
            accepted = stored.accepted_under(conn, region, contest_id)
        if kind == "flagged":
            return [row(a.tps, _rules(a.findings), a.at) for a in accepted if a.findings != "[]"]
        if kind == "corrected":
            return [row(a.tps, a.source, a.at) for a in accepted if a.source == "correction"]
        differing = self._differing(contest_id, region)
        return [row(a.tps, differing[k], a.at) for a in accepted if (k := a.tps.rsplit("-", 1)[0]) in differing]


def _rules(findings: str) -> str:
    return " ".join(sorted({f["rule"] for f in json.loads(findings)}))
