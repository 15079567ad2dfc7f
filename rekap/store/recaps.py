"""Reads behind the recap comparison and the problem lists: TPS of a region by what their accepted result says,
and the stored recaps (for a process that never folds the log: `rekap publish`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, select

from rekap.domain.fold import Recap
from rekap.domain.regions import NATION, level_of
from rekap.domain.result import Result
from rekap.domain.rules import Finding
from rekap.store import codec
from rekap.store import tables as t


def _tps_range(column: Any, region: str) -> Any:
    """The TPS codes under a region, as a range of the primary key (a kelurahan's are "<code>-<n>")."""
    if region == NATION:
        return column.isnot(None)
    prefix = region + ("-" if level_of(region) == 4 else ".")
    return and_(column >= prefix, column < prefix[:-1] + chr(ord(prefix[-1]) + 1))


def changed_after(conn: Connection, region: str, contest: str, seq: int, limit: int = 50) -> list[str]:
    """TPS under `region` whose accepted result in `contest` was logged after entry `seq`, in code order."""
    a = t.accepted.c
    rows = conn.execute(
        select(a.tps).where(_tps_range(a.tps, region), a.contest == contest, a.seq > seq).order_by(a.tps).limit(limit)
    )
    return list(rows.scalars())


def accepted_under(conn: Connection, region: str, contest: str) -> list[Any]:
    """(tps, seq, source, findings, disagreement, at, votes, valid, invalid, voters) of every TPS under a region
    that has a result."""
    a = t.accepted.c
    q = select(a.tps, a.seq, a.source, a.findings, a.disagreement, a.at, a.votes, a.valid, a.invalid, a.voters)
    return list(conn.execute(q.where(_tps_range(a.tps, region), a.contest == contest).order_by(a.tps)))


def tps_under(conn: Connection, region: str) -> list[Any]:
    """(code, kelurahan, number, dpt) of every TPS under a region."""
    c = t.tps.c
    q = select(c.code, c.kelurahan, c.number, c.dpt).where(_tps_range(c.code, region)).order_by(c.code)
    return list(conn.execute(q))


def recaps_of(conn: Connection, contest: str) -> dict[str, tuple[Recap, int]]:
    """Every stored recap of a contest by region, with the seq of its last entry."""
    out = {}
    for r in conn.execute(select(t.recaps).where(t.recaps.c.contest == contest)):
        recap = Recap(
            r.region, r.contest, r.status, Result.from_payload(codec.loads(r.result)) if r.result else None,
            tuple(codec.loads(r.photos)), tuple(Finding(**f) for f in codec.loads(r.findings)), r.source,
            r.entered_seq, r.entered_by, r.entered_at, r.started_at, r.signed_seq, r.signed_by, r.signed_at,
            r.explanation, r.reopened_by, r.reopened_at, r.reason,
        )  # fmt: skip
        out[r.region] = (recap, r.last_seq)
    return out
