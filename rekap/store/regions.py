"""Reads of regions, TPS and plenary streams as the projection holds them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select, text, true

from rekap.domain.regions import NATION, Region, level_of
from rekap.store import tables as t


def all_regions(conn: Connection) -> list[Region]:
    return [Region(r.code, r.name, r.level, r.parent) for r in conn.execute(select(t.regions))]


def tps_count(conn: Connection, code: str) -> int:
    """TPS in a region (the nation: all of them)."""
    c = t.tps.c
    where = c.kelurahan == code if level_of(code) == 4 else c.kelurahan.like(code + ".%") if code != NATION else true()
    return int(conn.execute(select(func.count()).select_from(t.tps).where(where)).scalar_one())


def tps_per_province(conn: Connection) -> dict[str, int]:
    rows = conn.execute(text("SELECT substr(code, 1, 2), count(*) FROM tps GROUP BY 1"))
    return {str(p): int(n) for p, n in rows}


def kelurahan_tps(conn: Connection, kelurahan: str) -> list[Any]:
    """(code, number, dpt) of a kelurahan's TPS, by number."""
    c = t.tps.c
    return list(conn.execute(select(c.code, c.number, c.dpt).where(c.kelurahan == kelurahan).order_by(c.number)))


def stream_url(conn: Connection, region: str) -> str | None:
    return conn.execute(select(t.streams.c.url).where(t.streams.c.region == region)).scalar()


def stream_urls(conn: Connection, codes: list[str]) -> dict[str, str]:
    if not codes:
        return {}
    rows = conn.execute(select(t.streams).where(t.streams.c.region.in_(codes)))
    return {r.region: r.url for r in rows if r.url}


def tps_details(conn: Connection, where_kelurahan: str | None = None, code: str | None = None) -> list[Any]:
    """Every column of the TPS of a kelurahan (by number), or of one TPS."""
    c = t.tps.c
    q = select(t.tps)
    q = q.where(c.code == code) if code is not None else q.where(c.kelurahan == where_kelurahan).order_by(c.number)
    return list(conn.execute(q))


def tps_in_region(conn: Connection, code: str) -> list[Any]:
    """Every column of the TPS within a region (a kab/kota, a kecamatan, a kelurahan), by code."""
    c = t.tps.c
    where = c.kelurahan == code if level_of(code) == 4 else c.kelurahan.like(code + ".%") if code != NATION else true()
    return list(conn.execute(select(t.tps).where(where).order_by(c.code)))
