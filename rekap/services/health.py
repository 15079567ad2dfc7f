"""Officers' health (internal): declarations before duty, check-ins on election day, hours on duty per officer and
per TPS, and alerts to the health coordinator (at risk, too many hours, symptoms, "I need help"), heard live by the
coordinator's dashboard. Nothing of it reaches the public side or the log."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rekap.domain.errors import InvalidInput, NotFound
from rekap.domain.health import (
    Declaration,
    advance,
    allowed_next,
    check_declaration,
    continuous_seconds,
    duty_seconds,
    duty_state,
    next_check_in,
    on_duty,
    risks,
)
from rekap.domain.regions import NATION, is_within
from rekap.store import health as stored
from rekap.store.db import Database

Listener = Callable[[dict[str, Any]], None]
SYMPTOMS = frozenset({"pusing", "sesak", "nyeri-dada", "lemas", "demam", "pingsan", "mual"})


@dataclass(frozen=True, slots=True)
class AlertView:
    id: int
    officer_ref: str
    tps: str
    kind: str
    detail: str
    state: str
    opened_at: int
    changed_at: int
    lat_e6: int | None
    lon_e6: int | None
    name: str | None = None  # the person's, for an officer with an account (internal, like all of it)
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class OfficerDuty:
    officer_ref: str
    tps: str
    on_duty: bool
    continuous_minutes: int
    total_minutes: int
    risks: list[str]
    state: str = "off"  # off, on, break
    name: str | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class OwnDeclaration:
    age: int
    conditions: list[str]
    fitness: int
    at: int


@dataclass(frozen=True, slots=True)
class OwnDuty:
    """What an officer's phone shows of their own day: where they are in it, the check-ins they may make next,
    hours on duty so far, their declaration and their last call for help (and whether it was heard)."""

    now: int
    limit_seconds: int  # continuous duty past this alerts the coordinator
    state: str  # off, on, break
    next: list[str]
    duty_seconds: int
    continuous_seconds: int
    declaration: OwnDeclaration | None
    help_state: str | None
    help_at: int | None


@dataclass(frozen=True, slots=True)
class HealthDashboard:
    now: int
    limit_minutes: int
    officers: list[OfficerDuty]
    tps_minutes: dict[str, int]  # hours on duty per TPS: every officer's minutes added up
    alerts: list[AlertView]
    counts: dict[str, int] = field(default_factory=dict)  # alerts by state


class OfficerHealth:
    def __init__(self, db: Database, limit_seconds: int = 12 * 3600, clock: Callable[[], int] | None = None) -> None:
        self.db, self.limit_seconds = db, limit_seconds
        self.clock = clock or (lambda: int(time.time()))
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    # --- hearing of changes (the dashboard's live stream) ---
    def subscribe(self, fn: Listener) -> Callable[[], None]:
        with self._lock:
            self._listeners.append(fn)

        def unsubscribe() -> None:
            with self._lock:
                if fn in self._listeners:
                    self._listeners.remove(fn)

        return unsubscribe

    def _publish(self, event: dict[str, Any]) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for fn in listeners:
            fn(event)

    # --- officers ---
    def declare(self, decl: Declaration) -> list[str]:
        """Save an officer's declaration; an officer at risk opens a 'risk' alert. The risks found."""
        check_declaration(decl)
        found, now = risks(decl), self.clock()
        with self.db.writer.begin() as conn:
            stored.save_declaration(conn, decl, found, now)
            alert = stored.open_alert(conn, decl.officer_ref, decl.tps, "risk", ",".join(found), now) if found else None
        self._publish({"kind": "alert" if alert else "declaration", "id": alert, "tps": decl.tps})
        return found

    def check_in(self, officer_ref: str, tps: str, kind: str, symptoms: list[str] | None = None) -> None:
        """A start, break, resume or end of duty; symptoms reported with it open a 'symptoms' alert."""
        unknown = [s for s in symptoms or [] if s not in SYMPTOMS]
        if unknown:
            raise InvalidInput(f"symptoms are among {', '.join(sorted(SYMPTOMS))}", field="symptoms")
        now = self.clock()
        with self.db.writer.begin() as conn:
            next_check_in(stored.check_ins_of(conn, officer_ref), kind)
            stored.add_check_in(conn, officer_ref, tps, kind, now)
            alert = stored.open_alert(conn, officer_ref, tps, "symptoms", ",".join(symptoms), now) if symptoms else None
        self._publish({"kind": "alert" if alert else "duty", "id": alert, "tps": tps})

    def need_help(self, officer_ref: str, tps: str, lat_e6: int | None, lon_e6: int | None, note: str = "") -> int:
        with self.db.writer.begin() as conn:
            alert = stored.open_alert(conn, officer_ref, tps, "help", note[:500], self.clock(), lat_e6, lon_e6)
        self._publish({"kind": "alert", "id": alert, "tps": tps})
        return alert

    def own(self, officer_ref: str) -> OwnDuty:
        now = self.clock()
        with self.db.reader.connect() as conn:
            events = stored.check_ins_of(conn, officer_ref)
            decl = stored.declaration_of(conn, officer_ref)
            helped = stored.last_alert_of(conn, officer_ref, "help")
        state = duty_state(events)
        own = OwnDeclaration(decl.age, json.loads(decl.conditions), decl.fitness, decl.at) if decl else None
        return OwnDuty(now, self.limit_seconds, state, list(allowed_next(events)), duty_seconds(events, now),
                       continuous_seconds(events, now), own,
                       helped.state if helped else None, helped.opened_at if helped else None)  # fmt: skip

    def sweep(self) -> list[int]:
        """Open an 'hours' alert for each officer past the limit of continuous duty (once per stretch)."""
        now, opened = self.clock(), []  # (alert, its TPS)
        with self.db.writer.begin() as conn:
            for ref, (tps, events) in stored.all_check_ins(conn).items():
                run = continuous_seconds(events, now)
                if run < self.limit_seconds:
                    continue
                since = events[-1].at
                if stored.unresolved_since(conn, ref, "hours", since):
                    continue
                detail = f"{run // 60} min"
                opened.append((stored.open_alert(conn, ref, tps, "hours", detail, now), tps))
        for alert, tps in opened:
            self._publish({"kind": "alert", "id": alert, "tps": tps})
        return [alert for alert, _ in opened]

    # --- the coordinator: a health token's scope is the region whose officers it looks after ---
    def act(self, alert_id: int, action: str, actor: str, scope: str = NATION) -> AlertView:
        with self.db.writer.begin() as conn:
            row = stored.alert(conn, alert_id)
            if row is None or not is_within(row.tps.partition("-")[0], scope):
                raise NotFound(f"no alert {alert_id}", field="id")
            stored.set_alert_state(conn, alert_id, advance(row.state, action), self.clock(), actor)
            row = stored.alert(conn, alert_id)
        self._publish({"kind": "alert", "id": alert_id, "tps": row.tps})
        return _alert(row)

    def dashboard(self, scope: str = NATION) -> HealthDashboard:
        """Officers, hours and alerts of the TPS within `scope`."""
        now = self.clock()
        with self.db.reader.connect() as conn:
            duty = {k: v for k, v in stored.all_check_ins(conn).items() if in_scope(v[0], scope)}
            decls = {k: v for k, v in stored.declarations(conn).items() if in_scope(v.tps, scope)}
            rows = [r for r in stored.alerts(conn) if in_scope(r.tps, scope)]
            people = stored.people_of(conn, set(duty) | set(decls) | {r.officer_ref for r in rows})
        alerts = [_alert(r, people.get(r.officer_ref)) for r in rows]
        officers: list[OfficerDuty] = []
        per_tps: dict[str, int] = {}
        for ref in sorted(set(duty) | set(decls)):
            tps, events = duty.get(ref, (decls[ref].tps if ref in decls else "", []))
            total = duty_seconds(events, now) // 60
            found = json.loads(decls[ref].risks) if ref in decls else []
            name, phone = people.get(ref, (None, None))
            officers.append(OfficerDuty(ref, tps, on_duty(events), continuous_seconds(events, now) // 60, total, found,
                                        duty_state(events), name, phone))  # fmt: skip
            if tps:
                per_tps[tps] = per_tps.get(tps, 0) + total
        counts = {s: sum(1 for x in alerts if x.state == s) for s in ("open", "acknowledged", "resolved")}
        return HealthDashboard(now, self.limit_seconds // 60, officers, per_tps, alerts, counts)

    def purge(self, retention_seconds: int) -> dict[str, int]:
        """Delete health data older than the retention period."""
        with self.db.writer.begin() as conn:
            return stored.purge_before(conn, self.clock() - retention_seconds)


def in_scope(tps: str, scope: str) -> bool:
    """Whether a TPS (its code, or a kelurahan code) lies within a coordinator's region."""
    return is_within(tps.partition("-")[0], scope)


def _alert(r: Any, person: tuple[str | None, str | None] | None = None) -> AlertView:
    name, phone = person or (None, None)
    return AlertView(r.id, r.officer_ref, r.tps, r.kind, r.detail, r.state, r.opened_at, r.changed_at, r.lat_e6,
                     r.lon_e6, name, phone)  # fmt: skip


class HealthSweeper:
    """Looks for officers past the hours limit once a minute, in a thread of its own."""

    EVERY = 60.0

    def __init__(self, health: OfficerHealth) -> None:
        self.health = health
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="health-sweeper", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.EVERY):
            try:
                self.health.sweep()
            except Exception:
                continue
