"""Reads of elections and contests as the projection holds them (for processes that never fold the log)."""

from __future__ import annotations

import json

from sqlalchemy import Connection, select

from rekap.domain.contest import Candidate, Contest
from rekap.store import tables as t


def election_names(conn: Connection) -> dict[str, str]:
    return {r.id: r.name for r in conn.execute(select(t.elections))}


def all_contests(conn: Connection) -> list[Contest]:
    out = []
    for r in conn.execute(select(t.contests).order_by(t.contests.c.id)):
        cands = tuple(
            Candidate(c["number"], tuple(c["names"]), c.get("party", ""), c.get("color", ""))
            for c in json.loads(r.candidates)
        )
        out.append(Contest(r.id, r.election, r.name, r.scope, cands))
    return out
