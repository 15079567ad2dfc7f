"""The status of one TPS in one contest, as lists, maps and the TPS page show it."""

from __future__ import annotations

#: in the order a reader should worry about them, last → first
STATUSES = ("not_in", "in", "corrected", "flagged", "disputed")


def status_of(reported: bool, disagreement: bool, flagged: bool, corrected: bool) -> str:
    """Disagreeing sources matter most, then broken arithmetic, then a correction; else in or not in."""
    if not reported:
        return "not_in"
    if disagreement:
        return "disputed"
    if flagged:
        return "flagged"
    return "corrected" if corrected else "in"
