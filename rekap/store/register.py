"""The voter register's versions and voters (internal tables), and the committees beside it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, case, delete, func, select, update

from rekap.domain.committees import Member
from rekap.store import batch
from rekap.store import tables as t
from rekap.store.projection import Row, bulk_load

v, r = t.register_versions.c, t.register_voters.c


def current_version(conn: Connection) -> Any:
    return conn.execute(select(t.register_versions).where(v.current)).first()


def versions(conn: Connection) -> list[Any]:
    return list(conn.execute(select(t.register_versions).order_by(v.version)))


def last_version_number(conn: Connection) -> int:
    return int(conn.execute(select(func.coalesce(func.max(v.version), 0))).scalar_one())


@contextmanager
def voters_loader(conn: Connection) -> Iterator[Callable[[Row], None]]:
    """Voter rows in bulk: COPY on PostgreSQL, executemany of thousands on SQLite (the caller's transaction)."""
    with bulk_load(conn, t.register_voters) as write:
        yield write


def add_version(conn: Connection, row: Row) -> None:
    batch.insert(conn, t.register_versions, [row])


def make_current(conn: Connection, version: int) -> None:
    conn.execute(update(t.register_versions).values(current=v.version == version))


def drop_voters(conn: Connection, version: int) -> None:
    conn.execute(delete(t.register_voters).where(r.version == version))


def drop_version(conn: Connection, version: int) -> None:
    drop_voters(conn, version)
    conn.execute(delete(t.register_versions).where(v.version == version))


def changes_between(conn: Connection, old: int, new: int) -> tuple[int, int]:
    """(added, removed): voters of `new` not in `old`, and of `old` not in `new`."""
    o, n = t.register_voters.alias("o"), t.register_voters.alias("n")

    def only_in(a: Any, a_version: int, b: Any, b_version: int) -> int:
        missing = ~select(b.c.nik_hmac).where(b.c.version == b_version, b.c.nik_hmac == a.c.nik_hmac).exists()
        q = select(func.count()).select_from(a).where(a.c.version == a_version, missing)
        return int(conn.execute(q).scalar_one())

    return only_in(n, new, o, old), only_in(o, old, n, new)


def counts_per_tps(conn: Connection, version: int) -> dict[str, tuple[int, int, int]]:
    """TPS code → (voters, men, women) of a version."""
    men = func.sum(case((r.sex == "L", 1), else_=0))
    q = select(r.tps, func.count(), men).where(r.version == version).group_by(r.tps)
    return {tps: (int(n), int(m or 0), int(n) - int(m or 0)) for tps, n, m in conn.execute(q)}


def voter(conn: Connection, version: int, digest: str) -> Any:
    q = select(r.name, r.birth_date, r.tps).where(r.version == version, r.nik_hmac == digest)
    return conn.execute(q).first()


def birth_dates_by_sex(conn: Connection, version: int, tps_prefix: str) -> list[tuple[str, str, int]]:
    """(sex, birth date, voters) of a version's voters whose TPS code starts with `tps_prefix`: a few tens of
    thousands of rows for a whole province."""
    q = select(r.sex, r.birth_date, func.count()).where(r.version == version)
    if tps_prefix:
        q = q.where(r.tps >= tps_prefix, r.tps < tps_prefix[:-1] + chr(ord(tps_prefix[-1]) + 1))
    return [(sex, birth, int(n)) for sex, birth, n in conn.execute(q.group_by(r.sex, r.birth_date))]


# --- committees ---
m = t.committee_members.c


def replace_committees(conn: Connection, members: list[Member]) -> None:
    conn.execute(delete(t.committee_members))
    rows = [(x.body, x.area, x.seat, x.position, x.name, x.phone, x.contact) for x in members]
    for start in range(0, len(rows), 5000):
        batch.insert(conn, t.committee_members, rows[start : start + 5000])


def committee_of(conn: Connection, areas: list[str]) -> list[Member]:
    q = select(t.committee_members).where(m.area.in_(areas)).order_by(m.body, m.area, m.seat)
    return [Member(x.body, x.area, x.seat, x.position, x.name, x.phone, x.contact) for x in conn.execute(q)]


def all_members(conn: Connection) -> list[Member]:
    q = select(t.committee_members).order_by(m.body, m.area, m.seat)
    return [Member(x.body, x.area, x.seat, x.position, x.name, x.phone, x.contact) for x in conn.execute(q)]
