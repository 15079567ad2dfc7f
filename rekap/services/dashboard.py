"""Read models of the public dashboard beyond the API's: a kelurahan's TPS with their status, stream links,
photo sizes."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select

from rekap.services.context import Context
from rekap.services.photos import VARIANTS
from rekap.store import tables as t

#: The status of one TPS in one contest, in the order a reader should worry about them last → first.
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


@dataclass(frozen=True)
class TpsRow:
    code: str
    number: int
    dpt: int
    status: str
    votes: dict[int, int]
    valid: int
    invalid: int
    voters: int
    at: str


def kelurahan_tps(ctx: Context, contest_id: str, kelurahan: str) -> list[TpsRow]:
    """Every TPS of a kelurahan with its accepted result (if any) and status in one contest."""
    with ctx.db.reader.connect() as conn:
        tps = conn.execute(
            select(t.tps.c.code, t.tps.c.number, t.tps.c.dpt)
            .where(t.tps.c.kelurahan == kelurahan)
            .order_by(t.tps.c.number)
        ).all()
        codes = [r.code for r in tps]
        c = t.accepted.c
        wanted = (c.tps, c.source, c.votes, c.valid, c.invalid, c.voters, c.findings, c.disagreement, c.at)
        rows = conn.execute(select(*wanted).where(c.contest == contest_id, c.tps.in_(codes))).all()
        accepted = {r.tps: r for r in rows}
        corrected = set(
            conn.execute(
                select(t.submissions.c.tps)
                .where(
                    t.submissions.c.contest == contest_id,
                    t.submissions.c.tps.in_(codes),
                    t.submissions.c.corrects.is_not(None),
                )
                .distinct()
            ).scalars()
        )
    out = []
    for r in tps:
        a = accepted.get(r.code)
        status = status_of(
            a is not None,
            bool(a and a.disagreement),
            bool(a and a.findings != "[]" and json.loads(a.findings)),
            bool(a and (a.source == "correction" or r.code in corrected)),
        )
        votes = {int(k): v for k, v in json.loads(a.votes).items()} if a else {}
        out.append(
            TpsRow(
                r.code,
                r.number,
                r.dpt,
                status,
                votes,
                a.valid if a else 0,
                a.invalid if a else 0,
                a.voters if a else 0,
                a.at if a else "",
            )
        )
    return out


def streams_of(ctx: Context, codes: list[str]) -> dict[str, str]:
    """Live stream links of the recap plenaries of these regions (those that have one)."""
    if not codes:
        return {}
    with ctx.db.reader.connect() as conn:
        rows = conn.execute(select(t.streams).where(t.streams.c.region.in_(codes))).all()
    return {r.region: r.url for r in rows if r.url}


def photo_sizes(ctx: Context, hashes: list[str], variant: str = "view") -> dict[str, tuple[int, int]]:
    """Pixel size of each photo's public copy, so a page can reserve its space before it loads."""
    if not hashes:
        return {}
    box = VARIANTS[variant]
    with ctx.db.reader.connect() as conn:
        rows = conn.execute(
            select(t.photos.c.sha256, t.photos.c.width, t.photos.c.height).where(t.photos.c.sha256.in_(hashes))
        ).all()
    out = {}
    for r in rows:
        side = max(r.width, r.height)
        # the public copy is shrunk to fit the box, never enlarged (PIL thumbnail)
        out[r.sha256] = (r.width, r.height) if side <= box else (r.width * box // side, r.height * box // side)
    return out
