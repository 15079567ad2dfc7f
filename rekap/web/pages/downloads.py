"""CSV and JSON of the tables the pages show: a region with its children, a kelurahan's TPS, a TPS's history."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from rekap.domain.fold import TOTALS_COUNTS
from rekap.domain.result import COUNT_FIELDS
from rekap.services.csv_rows import spreadsheet_row
from rekap.web.pages.tps_view import TpsPage
from rekap.web.pages.views import RegionPage

Table = tuple[list[str], list[list[Any]]]


def region_table(page: RegionPage) -> Table:
    """At a kelurahan: its TPS. Above: the region itself, then each child, with totals and progress."""
    numbers = [c.number for c in page.contest.candidates]
    votes = [f"votes_{n}" for n in numbers]
    if page.region.level == 4:
        header = ["tps", "number", "status", "dpt", *votes, "valid", "invalid", "voters", "at"]
        rows = [
            [
                r.code,
                r.number,
                r.status,
                r.dpt,
                *(r.votes.get(n, 0) for n in numbers),
                r.valid,
                r.invalid,
                r.voters,
                r.at,
            ]
            for r in page.rows
        ]
        return header, rows
    header = [
        "code",
        "name",
        "level",
        *votes,
        *TOTALS_COUNTS,
        "updated_at",
    ]
    rows = []
    for t in [page.totals, *page.totals.children]:
        p = t.progress
        rows.append(
            [
                t.region.code,
                t.region.name,
                t.region.level,
                *(v.votes for v in t.votes),
                t.valid,
                t.invalid,
                t.voters,
                p.tps_reported,
                p.tps_total,
                p.dpt_reported,
                p.dpt_total,
                t.flagged,
                t.disagreements,
                t.held,
                *(p.tps_reported - t.covers[c] for c in ("valid", "invalid", "voters")),  # TPS that did not give it
                t.updated_at,
            ]
        )
    return header, rows


def tps_table(page: TpsPage) -> Table:
    """Every submission for the TPS, in every contest: the history the TPS page shows."""
    numbers = sorted({c.number for s in page.sections for c in s.contest.candidates})
    header = [
        "seq",
        "hash",
        "at",
        "contest",
        "source",
        "role",
        "verified",
        "accepted",
        "corrects",
        "reason",
        *(f"votes_{n}" for n in numbers),
        *COUNT_FIELDS,
        "photos",
        "findings",
    ]
    rows = []
    for section in page.sections:
        for h in section.history:
            s = h.sub
            rows.append(
                [
                    s.seq,
                    s.hash,
                    s.at,
                    section.contest.id,
                    s.source,
                    s.actor_role,
                    s.verified,
                    s.accepted,
                    s.corrects or "",
                    s.reason or "",
                    *(s.result["votes"].get(str(n), "") for n in numbers),
                    *(s.result.get(f) for f in COUNT_FIELDS),  # None (an empty cell, null): not given
                    " ".join(s.photos),
                    " ".join(f["rule"] for f in s.findings),
                ]
            )
    return header, rows


def as_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(spreadsheet_row(table[0]))
    writer.writerows(spreadsheet_row(r) for r in table[1])
    return out.getvalue().encode()


def as_json(table: Table, about: dict[str, Any]) -> bytes:
    header, rows = table
    body = {**about, "rows": [dict(zip(header, r, strict=True)) for r in rows]}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
