"""The live values of a region page: every string SSE keeps fresh, and the colours of leaders and progress.

The values are one flat dict keyed "<code>|<field>" (a "@attr" suffix sets an attribute, not the text). Templates
print them inside `data-live` markers; /api/v1/events sends the keys whose text changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rekap.domain.regions import level_of
from rekap.domain.status import STATUSES
from rekap.services.views import CandidateVotes, ContestView, TotalsCore, TotalsView, TpsStatus
from rekap.web.deps import Services
from rekap.web.pages.i18n import Locale, css_pct, hundredths_of

NO_DATA = "#e6e9ed"
TIE = "#9aa0a6"
# TPS-in share: none, then quarters, then complete; one hue, light to dark
PROGRESS_COLOURS = ("#e6e9ed", "#c6e3dc", "#8cc7ba", "#4fa393", "#26796c", "#0b5247")
MARGIN_BINS = (5, 10, 20)  # margin (percentage points of valid votes) where the leader's shade deepens
SHADES = (35, 55, 78, 100)  # strength of the leader's colour against white, one per margin bin
# Used when an election file gives a candidate no colour (or an unusable one).
FALLBACK_COLOURS = ("#1f5fa8", "#b3261e", "#2e7d32", "#6a1b9a", "#b35c00", "#00695c", "#5d4037", "#37474f")
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def region_topic(contest_id: str, code: str) -> str:
    return f"r:{contest_id}:{code}"


def tps_topic(code: str) -> str:
    return f"t:{code}"


def colours(contest: ContestView) -> dict[int, str]:
    """Each candidate's colour; only #rrggbb gets into a style attribute."""
    return {
        c.number: c.color if _HEX.match(c.color) else FALLBACK_COLOURS[i % len(FALLBACK_COLOURS)]
        for i, c in enumerate(contest.candidates)
    }


def ink_on(colour: str) -> str:
    """Black or white text, whichever reads better on the colour."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#111" if 299 * r + 587 * g + 114 * b > 150_000 else "#fff"


def mix_white(colour: str, strength: int) -> str:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{255 - (255 - c) * strength // 100:02x}" for c in (r, g, b))


@dataclass(frozen=True)
class Lead:
    number: int | None  # None: no votes yet, or a tie at the top
    margin: int  # votes between the first and the second


def lead_of(votes: list[CandidateVotes]) -> Lead:
    ranked = sorted((v.votes for v in votes), reverse=True)
    if not ranked or ranked[0] <= 0:
        return Lead(None, 0)
    second = ranked[1] if len(ranked) > 1 else 0
    if ranked[0] == second:
        return Lead(None, 0)
    return Lead(next(v.number for v in votes if v.votes == ranked[0]), ranked[0] - second)


def lead_colour(lead: Lead, valid: int, palette: dict[int, str]) -> str:
    if lead.number is None:
        return TIE if valid > 0 else NO_DATA
    share = hundredths_of(lead.margin, valid)
    return mix_white(palette[lead.number], SHADES[sum(share >= b * 100 for b in MARGIN_BINS)])


def progress_colour(reported: int, total: int) -> str:
    if reported <= 0 or total <= 0:
        return PROGRESS_COLOURS[0]
    if reported >= total:
        return PROGRESS_COLOURS[-1]
    return PROGRESS_COLOURS[1 + reported * 4 // total]


def core_values(t: TotalsCore, palette: dict[int, str], loc: Locale) -> dict[str, str]:
    """The live values of one region's totals, as its own page, a table row, a map shape or a wall show them."""
    p = t.region.code + "|"
    out: dict[str, str] = {}
    valid = share_base(t)
    for cv in t.votes:
        out[f"{p}v{cv.number}"] = loc.num(cv.votes)
        out[f"{p}p{cv.number}"] = loc.pct(cv.votes, valid)
        out[f"{p}w{cv.number}@style"] = f"width:{css_pct(cv.votes, valid)}"
    prog = t.progress
    lead = lead_of(t.votes)
    out |= {
        p + "tin": loc.num(prog.tps_reported),
        p + "ttot": loc.num(prog.tps_total),
        p + "tp": loc.pct(prog.tps_reported, prog.tps_total),
        p + "tw@style": f"width:{css_pct(prog.tps_reported, prog.tps_total)}",
        p + "dp": loc.pct(prog.dpt_reported, prog.dpt_total),
        p + "dw@style": f"width:{css_pct(prog.dpt_reported, prog.dpt_total)}",
        p + "valid": loc.num(t.valid),
        p + "invalid": loc.num(t.invalid),
        p + "voters": loc.num(t.voters),
        p + "flag": loc.num(t.flagged),
        p + "held": loc.num(t.held),
        p + "dis": loc.num(t.disagreements),
        p + "upd": loc.when(t.updated_at) if t.progress.tps_reported else "–",
        p + "lead": str(lead.number) if lead.number is not None else "–",
        p + "ml": str(lead.number) if lead.number is not None else "",  # a map label: nothing while no one leads
        p + "lead@style": _swatch(palette.get(lead.number or -1, TIE if valid else NO_DATA)),
        p + "mg": "+" + loc.pct(lead.margin, valid) if lead.number is not None else "–",
        p + "m@style": f"--lead:{lead_colour(lead, valid, palette)};"
        f"--prog:{progress_colour(prog.tps_reported, prog.tps_total)}",
    }
    return out


def share_base(t: TotalsCore) -> int:
    """What a pair's share is of: the valid votes when every TPS counted gave them, else the pairs' votes
    together (some sources give only the pairs' votes: their valid votes are unknown, not zero)."""
    if t.valid is not None and t.covers["valid"] == t.progress.tps_reported:
        return t.valid
    return sum(cv.votes for cv in t.votes)


def _swatch(colour: str) -> str:
    return f"--c:{colour};--ink:{ink_on(colour)}"


def tps_values(row: TpsStatus, numbers: list[int], loc: Locale) -> dict[str, str]:
    p = row.code + "|"
    reported = row.status != "not_in"
    out = {f"{p}v{n}": loc.num(row.votes.get(n, 0)) if reported else "–" for n in numbers}
    out |= {
        p + "st": loc.t(f"status.{row.status}"),
        p + "st@data-s": row.status,
        p + "valid": loc.num(row.valid) if reported else "–",
        p + "invalid": loc.num(row.invalid) if reported else "–",
        p + "at": loc.clock(row.at),
    }
    return out


def status_counts(code: str, rows: list[TpsStatus], loc: Locale) -> dict[str, str]:
    return {f"{code}|n.{s}": loc.num(sum(r.status == s for r in rows)) for s in STATUSES}


def live_values(contest: ContestView, totals: TotalsView, tps: list[TpsStatus], loc: Locale) -> dict[str, str]:
    palette = colours(contest)
    numbers = [c.number for c in contest.candidates]
    out = core_values(totals, palette, loc)
    for child in totals.children:
        out |= core_values(child, palette, loc)
    for row in tps:
        out |= tps_values(row, numbers, loc)
    if level_of(totals.region.code) == 4:
        out |= status_counts(totals.region.code, tps, loc)
    return out


def region_live(svc: Services, contest_id: str, code: str, loc: Locale) -> dict[str, str]:
    """What /api/v1/events compares and sends for one open region page."""
    contest = svc.contests.get(contest_id)
    totals = svc.real_count.totals(contest_id, code)
    tps = svc.tps.kelurahan(contest_id, code) if level_of(code) == 4 else []
    return live_values(contest, totals, tps, loc)
