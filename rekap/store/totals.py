"""Reads of the stored totals rows: for auditors, snapshots and processes that never fold the log."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, select

from rekap.domain.fold import Totals
from rekap.store import tables as t
from rekap.store.projection import totals_of_row

IN_LIST = 5000  # region codes per IN list


def of_contest(conn: Connection, contest: str) -> dict[str, Totals]:
    """Every region's totals of one contest, by region code."""
    q = select(t.totals).where(t.totals.c.contest == contest).order_by(t.totals.c.region)
    return {r.region: totals_of_row(r) for r in conn.execute(q)}


def changed_since(conn: Connection, contest: str, seq: int) -> dict[str, Totals]:
    q = select(t.totals).where(t.totals.c.contest == contest, t.totals.c.last_seq > seq)
    return {r.region: totals_of_row(r) for r in conn.execute(q)}


def of_regions(conn: Connection, contest: str, regions: Iterable[str]) -> dict[str, Totals]:
    codes = sorted(set(regions))
    q = select(t.totals).where(t.totals.c.contest == contest)
    out: dict[str, Totals] = {}
    for i in range(0, len(codes), IN_LIST):
        chunk = q.where(t.totals.c.region.in_(codes[i : i + IN_LIST]))
        out.update({r.region: totals_of_row(r) for r in conn.execute(chunk)})
    return out


def every_row(conn: Connection) -> dict[tuple[str, str], Totals]:
    """All totals of all contests, by (region, contest)."""
    return {(r.region, r.contest): totals_of_row(r) for r in conn.execute(select(t.totals))}
