"""The recap as its pages show it: a row per count of the D-form beside the children's sum and the real count."""

from __future__ import annotations

from dataclasses import dataclass

from rekap.domain.recap_compare import COMPARED
from rekap.services.recaps import DifferenceView, RecapView
from rekap.services.views import ContestView
from rekap.web.pages.i18n import Locale


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
