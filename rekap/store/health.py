"""Officers' health declarations, duty check-ins and alerts (internal tables; never folded, never logged)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from rekap.domain.health import CheckIn, Declaration
from rekap.store import tables as t

d, c, a = t.health_declarations.c, t.duty_checkins.c, t.health_alerts.c


def save_declaration(conn: Connection, x: Declaration, risks: list[str], at: int) -> None:
    conn.execute(delete(t.health_declarations).where(d.officer_ref == x.officer_ref))
    conn.execute(insert(t.health_declarations).values(
        officer_ref=x.officer_ref, tps=x.tps, age=x.age, conditions=json.dumps(list(x.conditions)),
        fitness=x.fitness, risks=json.dumps(risks), at=at,
    ))  # fmt: skip


def declarations(conn: Connection) -> dict[str, Any]:
    return {r.officer_ref: r for r in conn.execute(select(t.health_declarations))}


def declaration_of(conn: Connection, officer_ref: str) -> Any:
    return conn.execute(select(t.health_declarations).where(d.officer_ref == officer_ref)).first()


def add_check_in(conn: Connection, officer_ref: str, tps: str, kind: str, at: int) -> None:
    conn.execute(insert(t.duty_checkins).values(officer_ref=officer_ref, tps=tps, kind=kind, at=at))


def check_ins_of(conn: Connection, officer_ref: str) -> list[CheckIn]:
    q = select(c.kind, c.at).where(c.officer_ref == officer_ref).order_by(c.id)
    return [CheckIn(k, at) for k, at in conn.execute(q)]


def all_check_ins(conn: Connection) -> dict[str, tuple[str, list[CheckIn]]]:
    """Officer → (the TPS of their last check-in, their check-ins in order)."""
    out: dict[str, tuple[str, list[CheckIn]]] = {}
    for ref, tps, kind, at in conn.execute(select(c.officer_ref, c.tps, c.kind, c.at).order_by(c.id)):
        events = out[ref][1] if ref in out else []
        events.append(CheckIn(kind, at))
        out[ref] = (tps, events)
    return out


def open_alert(conn: Connection, officer_ref: str, tps: str, kind: str, detail: str, at: int,
               lat_e6: int | None = None, lon_e6: int | None = None) -> int:  # fmt: skip
    res = conn.execute(insert(t.health_alerts).values(
        officer_ref=officer_ref, tps=tps, kind=kind, detail=detail, lat_e6=lat_e6, lon_e6=lon_e6, state="open",
        opened_at=at, changed_at=at,
    ))  # fmt: skip
    return int(res.inserted_primary_key[0])  # type: ignore[index]


def alert(conn: Connection, alert_id: int) -> Any:
    return conn.execute(select(t.health_alerts).where(a.id == alert_id)).first()


def last_alert_of(conn: Connection, officer_ref: str, kind: str) -> Any:
    q = select(t.health_alerts).where(a.officer_ref == officer_ref, a.kind == kind).order_by(a.id.desc()).limit(1)
    return conn.execute(q).first()


def people_of(conn: Connection, refs: set[str]) -> dict[str, tuple[str, str | None]]:
    """Name and phone of the officers who are people (`user:<id>`), for their coordinator."""
    ids = sorted(r.removeprefix("user:") for r in refs if r.startswith("user:"))
    out: dict[str, tuple[str, str | None]] = {}
    for start in range(0, len(ids), 1000):
        q = select(t.users.c.id, t.users.c.name, t.users.c.phone).where(t.users.c.id.in_(ids[start : start + 1000]))
        out.update({f"user:{i}": (name, phone) for i, name, phone in conn.execute(q)})
    return out


def alerts(conn: Connection) -> list[Any]:
    return list(conn.execute(select(t.health_alerts).order_by(a.id.desc())))


def unresolved_since(conn: Connection, officer_ref: str, kind: str, since: int) -> bool:
    q = (
        select(func.count())
        .select_from(t.health_alerts)
        .where(a.officer_ref == officer_ref, a.kind == kind, a.opened_at >= since)
    )
    return bool(conn.execute(q).scalar_one())


def set_alert_state(conn: Connection, alert_id: int, state: str, at: int, by: str) -> None:
    conn.execute(update(t.health_alerts).where(a.id == alert_id).values(state=state, changed_at=at, changed_by=by))


def purge_before(conn: Connection, cutoff: int) -> dict[str, int]:
    """Delete what is older than `cutoff`: declarations, check-ins, and alerts last changed before it."""
    out = {}
    for name, table, col in (("declarations", t.health_declarations, d.at), ("check_ins", t.duty_checkins, c.at),
                             ("alerts", t.health_alerts, a.changed_at)):  # fmt: skip
        out[name] = conn.execute(delete(table).where(col < cutoff)).rowcount
    return out
