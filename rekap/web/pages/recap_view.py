"""The recap as its pages show it: a row per count of the D-form beside the children's sum and the real count;
the plenaries below a region; and their fingerprints, by which an open page learns over SSE that it changed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from rekap.domain.recap_compare import COMPARED
from rekap.services.recaps import DifferenceView, RecapProgress, RecapView
from rekap.services.views import ContestView, json_of
from rekap.web.deps import Services
from rekap.web.pages.i18n import Locale
from rekap.web.pages.views import RegionPage


def recap_topic(contest_id: str, code: str) -> str:
    return f"recap:{contest_id}:{code}"


def fingerprint(view: RecapView | RecapProgress) -> str:
    """What a page prints in a part's data-swap and the recap topic sends: equal exactly when the view is."""
    return hashlib.sha256(json_of(view)).hexdigest()[:16]


def plenaries(svc: Services, contest_id: str, code: str) -> RecapProgress:
    """The recap of each child of a region, with the plenary's stream link where one is set."""
    assert svc.recaps is not None, "the composition root wires the recaps"
    kids = [c.region.code for c in svc.real_count.totals(contest_id, code).children]
    return svc.recaps.progress(contest_id, code, svc.regions.streams_of(kids))


def recap_live(svc: Services, contest_id: str, code: str) -> dict[str, str]:
    """What /api/v1/events sends for a recap topic: the fingerprints of the region's recap and of its children's."""
    assert svc.recaps is not None, "the composition root wires the recaps"
    return {
        f"{code}|recap@data-swap": fingerprint(svc.recaps.view(contest_id, code)),
        f"{code}|plenaries@data-swap": fingerprint(plenaries(svc, contest_id, code)),
    }


@dataclass(frozen=True)
class RecapRow:
    count: str
    label: str
    recap: int
    children: int
    real: int
    difference: DifferenceView | None


def recap_rows(contest: ContestView, recap: RecapView, loc: Locale) -> list[RecapRow]:
    """Every compared count: the differing ones with their figures, the others equal everywhere."""
    if recap.votes is None or recap.counts is None:
        return []
    diffs = {d.count: d for d in recap.differences}
    out = []
    for c in contest.candidates:
        short = " – ".join(name.split()[0] for name in c.names if name)  # "Basuki – Djarot": fits a phone
        out.append(_row(f"votes.{c.number}", f"{c.number}. {short}", recap.votes.get(c.number, 0), diffs))
    for name in COMPARED:
        out.append(_row(name, loc.t(f"recap.field.{name}"), recap.counts[name], diffs))
    return out


def _row(count: str, label: str, announced: int, diffs: dict[str, DifferenceView]) -> RecapRow:
    d = diffs.get(count)
    if d is None:
        return RecapRow(count, label, announced, announced, announced, None)
    return RecapRow(count, label, d.recap, d.children, d.real, d)


def recap_parts(page: RegionPage, loc: Locale) -> dict[str, Any]:
    """What a page showing the recap section gives its template: the rows, and the topic and fingerprint by which
    it stays live (list the topic in the page's `topics`)."""
    if page.recap is None:
        return {"recap_rows": [], "recap_topic": "", "recap_print": ""}
    return {
        "recap_rows": recap_rows(page.contest, page.recap, loc),
        "recap_topic": recap_topic(page.contest.id, page.region.code),
        "recap_print": fingerprint(page.recap),
    }
