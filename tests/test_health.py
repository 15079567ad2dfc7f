"""Officers' health: at-risk declarations, hours on duty from check-ins, alerts past the limit, the coordinator's
permission, and purging after the retention period."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from rekap.domain.errors import Conflict
from rekap.domain.health import (
    CHECK_INS,
    TRANSITIONS,
    CheckIn,
    Declaration,
    advance,
    allowed_next,
    duty_seconds,
    duty_state,
    next_check_in,
    risks,
)

HOUR = 3600
TPS = "31.71.01.1002-001"


@pytest.fixture
def health(rekap):
    now = [1_700_000_000]
    rekap.health.clock = lambda: now[0]
    rekap.health.now = now
    return rekap.health


@pytest.fixture
def coordinator(rekap):
    return {"Authorization": f"Bearer {rekap.tokens.create('Koordinator kesehatan', 'health', 'test')[1]}"}


def test_an_older_officer_with_a_condition_is_flagged_at_risk(health):
    assert health.declare(Declaration("kpps-1", TPS, 63, ("hipertensi",), 4)) == ["age", "condition:hipertensi"]
    assert health.declare(Declaration("kpps-2", TPS, 30, (), 5)) == []
    assert [(a.officer_ref, a.kind, a.state) for a in health.dashboard().alerts] == [("kpps-1", "risk", "open")]


def test_an_alert_opens_once_when_an_officer_passes_the_hours_limit(health):
    health.check_in("kpps-1", TPS, "start")
    health.now[0] += 11 * HOUR
    assert health.sweep() == []
    health.now[0] += HOUR
    [alert] = health.sweep()
    assert health.sweep() == []  # the same stretch of duty alerts once
    board = health.dashboard()
    assert board.alerts[0].id == alert and board.alerts[0].kind == "hours"
    assert board.officers[0].continuous_minutes == 12 * 60
    health.check_in("kpps-1", TPS, "break")
    health.now[0] += HOUR
    health.check_in("kpps-1", TPS, "resume")
    health.now[0] += HOUR
    board = health.dashboard()
    assert (board.officers[0].continuous_minutes, board.officers[0].total_minutes) == (60, 13 * 60)
    assert board.tps_minutes == {TPS: 13 * 60}


def test_symptoms_and_help_alert_the_coordinator_with_the_place(health):
    health.check_in("kpps-1", TPS, "start", ["pusing", "sesak"])
    health.need_help("kpps-1", TPS, -6175000, 106810000, "pingsan")
    kinds = {a.kind: a for a in health.dashboard().alerts}
    assert kinds["symptoms"].detail == "pusing,sesak"
    assert (kinds["help"].lat_e6, kinds["help"].lon_e6) == (-6175000, 106810000)


def test_alerts_go_open_acknowledged_resolved_and_never_back(health):
    health.declare(Declaration("kpps-1", TPS, 70, (), 3))
    alert = health.dashboard().alerts[0].id
    assert health.act(alert, "acknowledge", "token:x").state == "acknowledged"
    with pytest.raises(Conflict):
        health.act(alert, "acknowledge", "token:x")
    assert health.act(alert, "resolve", "token:x").state == "resolved"
    with pytest.raises(Conflict):
        health.act(alert, "resolve", "token:x")


@pytest.mark.parametrize(("state", "action"), [(s, a) for s in ("open", "acknowledged", "resolved")
                                               for a in ("acknowledge", "resolve")])  # fmt: skip
def test_every_alert_transition_legal_or_not(state, action):
    if (state, action) in TRANSITIONS:
        assert advance(state, action) == TRANSITIONS[state, action]
    else:
        with pytest.raises(Conflict):
            advance(state, action)


def test_check_ins_follow_start_break_resume_end():
    next_check_in([], "start")
    with pytest.raises(Conflict):
        next_check_in([], "break")
    with pytest.raises(Conflict):
        next_check_in([CheckIn("start", 0)], "start")
    next_check_in([CheckIn("start", 0), CheckIn("break", 5)], "resume")


@pytest.mark.parametrize(("kinds", "offered", "state"), [
    ((), ("start",), "off"), (("start",), ("break", "end"), "on"), (("start", "break"), ("resume", "end"), "break"),
    (("start", "break", "resume"), ("break", "end"), "on"), (("start", "end"), ("start",), "off"),
])  # fmt: skip
def test_the_phone_offers_exactly_the_check_ins_that_may_come_next(kinds, offered, state):
    events = [CheckIn(k, i) for i, k in enumerate(kinds)]
    assert (allowed_next(events), duty_state(events)) == (offered, state)
    for kind in CHECK_INS:
        if kind in offered:
            next_check_in(events, kind)
        else:
            with pytest.raises(Conflict):
                next_check_in(events, kind)


@settings(deadline=None)  # a pure function; the shared machine's load is not its speed
@given(st.lists(st.integers(min_value=0, max_value=5 * HOUR), min_size=1, max_size=12))
def test_hours_on_duty_never_count_a_break(gaps):
    at, events = 0, []
    for i, gap in enumerate(gaps):
        at += gap
        events.append(CheckIn("start" if i == 0 else ("break" if i % 2 else "resume"), at))
    worked = sum(gaps[i] for i in range(1, len(gaps)) if i % 2)  # from a start/resume to the next break
    tail = (at + HOUR) - at if events[-1].kind in ("start", "resume") else 0
    assert duty_seconds(events, at + HOUR) == worked + tail


def test_risks_are_from_age_conditions_and_fitness():
    assert risks(Declaration("x", TPS, 59, ("alergi",), 3)) == []
    assert risks(Declaration("x", TPS, 40, (), 2)) == ["fitness"]


def test_only_the_health_permission_reads_the_dashboard(rekap, health, coordinator, officer_token, admin_token):
    client = TestClient(rekap.web_app())
    officer = {"Authorization": f"Bearer {officer_token}"}
    r = client.post(
        "/api/v1/health/declarations",
        headers=officer,
        json={"officer_ref": "kpps-1", "tps": TPS, "age": 61, "conditions": ["diabetes"], "fitness": 3},
    )
    assert r.status_code == 201 and r.json() == {"at_risk": True}
    for who in (officer, {"Authorization": f"Bearer {admin_token}"}, {}):
        assert client.get("/api/v1/health/dashboard", headers=who).status_code in (401, 403)
    board = client.get("/api/v1/health/dashboard", headers=coordinator)
    assert board.status_code == 200 and board.headers["cache-control"] == "no-store"
    assert board.json()["alerts"][0]["detail"] == "age,condition:diabetes"
    alert = board.json()["alerts"][0]["id"]
    assert client.post(f"/api/v1/health/alerts/{alert}/resolve", headers=coordinator).json()["state"] == "resolved"
    assert client.post(f"/api/v1/health/alerts/{alert}/resolve", headers=coordinator).status_code == 409
    r = client.post("/api/v1/submissions", headers=coordinator, json={})
    assert r.status_code in (403, 422)


def test_health_data_is_purged_after_the_retention_period(health):
    health.declare(Declaration("kpps-1", TPS, 63, (), 4))
    health.check_in("kpps-1", TPS, "start")
    health.now[0] += 31 * 24 * HOUR
    health.check_in("kpps-2", TPS, "start")
    assert health.purge(30 * 24 * HOUR) == {"declarations": 1, "check_ins": 1, "alerts": 1}
    assert [o.officer_ref for o in health.dashboard().officers] == ["kpps-2"]


def test_a_coordinator_sees_only_the_officers_of_their_region(rekap, health):
    health.check_in("kpps-gambir", "31.71.01.1001-001", "start", ["pusing"])
    health.check_in("kpps-seribu", "31.01.01.1001-001", "start", ["demam"])
    token = rekap.tokens.create("Koordinator Jakarta Pusat", "health", "test", "31.71")[1]
    client = TestClient(rekap.web_app())
    board = client.get("/api/v1/health/dashboard", headers={"Authorization": f"Bearer {token}"}).json()
    assert [o["officer_ref"] for o in board["officers"]] == ["kpps-gambir"]
    assert [a["detail"] for a in board["alerts"]] == ["pusing"]
    other = next(a.id for a in health.dashboard().alerts if a.officer_ref == "kpps-seribu")
    r = client.post(f"/api/v1/health/alerts/{other}/resolve", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 404
