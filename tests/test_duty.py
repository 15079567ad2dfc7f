"""An officer's duty page over HTTP with a session: the health declaration, check-ins with the hours on duty, and
"I need help" with the TPS and the phone's location; plain forms and the script's fetch; CSRF; only the officer's
own TPS; the coordinator hears it; nothing of it in the log."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from rekap.bootstrap import Rekap
from rekap.services.people import CLI
from rekap.store import tables as t
from tests.conftest import TPS

HOUR = 3600
ELSEWHERE = "31.01.01.1001-001"
DUTY = f"/report/{TPS}/duty"
SCRIPT = {"accept": "application/json"}


@dataclass
class Officer:
    client: TestClient
    csrf: str
    user: str
    now: list[int]

    def post(self, path: str, lang: str = "", **data: object) -> object:
        headers = {**SCRIPT, "x-csrf-token": self.csrf} if data.pop("script", False) else {}
        return self.client.post(path + lang, data={"csrf": self.csrf, **data}, headers=headers)


@pytest.fixture
def officer(rekap: Rekap) -> Officer:
    now = [1_700_000_000]
    rekap.health.clock = lambda: now[0]
    user, _, _ = rekap.people.create(CLI, "Sri Wahyuni", "officer", TPS, username="sri", phone="081299990001",
                                     password="rahasia1")  # fmt: skip
    client = TestClient(rekap.web_app(), follow_redirects=False)
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
    assert client.post("/login", data={"username": "sri", "password": "rahasia1", "csrf": csrf}).status_code == 303
    return Officer(client, csrf, user, now)


def test_an_officer_declares_starts_and_takes_a_break_with_plain_forms(rekap: Rekap, officer: Officer) -> None:
    form = officer.client.get(f"/report/{TPS}")
    assert f'href="{DUTY}"' in form.text  # the field form links to the duty page
    page = officer.client.get(DUTY)
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert "Pernyataan kesehatan" in page.text and 'value="start"' in page.text and 'value="break"' not in page.text

    r = officer.post(f"{DUTY}/declaration", age="63", fitness="4", conditions=["hipertensi"], other="alergi debu")
    assert (r.status_code, r.headers["location"]) == (303, DUTY)
    assert officer.post(f"{DUTY}/check-in", kind="start").status_code == 303
    officer.now[0] += 2 * HOUR + 5 * 60
    page = officer.client.get(DUTY).text
    assert "Sedang bertugas" in page and "2 j 5 mnt" in page and "umur 63" in page
    assert 'value="break"' in page and 'value="end"' in page and 'value="start"' not in page

    board = rekap.health.dashboard("31.71")
    [me] = board.officers
    assert (me.officer_ref, me.name, me.phone) == (f"user:{officer.user}", "Sri Wahyuni", "081299990001")
    assert me.state == "on"
    assert me.risks == ["age", "condition:hipertensi"]
    assert officer.post(f"{DUTY}/check-in", kind="break").status_code == 303
    assert 'value="resume"' in officer.client.get(DUTY).text
    assert rekap.health.dashboard().officers[0].state == "break"


def test_the_script_gets_204_or_the_refusal_in_the_officers_language(officer: Officer) -> None:
    assert officer.post(f"{DUTY}/check-in", kind="start", script=True).status_code == 204
    again = officer.post(f"{DUTY}/check-in", kind="start", script=True)
    assert again.status_code == 409 and again.json()["detail"].startswith("Urutan tidak cocok")
    english = officer.post(f"{DUTY}/declaration", lang="?lang=en", age="7", fitness="3", script=True)
    assert english.status_code == 422 and english.json()["detail"] == "Age must be 15 to 100 years."
    plain = officer.post(f"{DUTY}/declaration", age="abc", fitness="3")
    assert plain.status_code == 422 and "Umur harus 15 sampai 100 tahun." in plain.text  # the page, with the reason
    assert "Tugas &amp; kesehatan" in officer.client.get(f"{DUTY}?lang=id").text
    assert "Duty &amp; health" in officer.client.get(f"{DUTY}?lang=en").text


def test_a_form_without_its_csrf_token_is_refused(officer: Officer) -> None:
    r = officer.client.post(f"{DUTY}/check-in", data={"kind": "start"})
    assert r.status_code == 403 and r.json()["type"] == "/problems/csrf-failed"


def test_help_carries_the_tps_and_where_the_phone_is_and_the_officer_sees_it_heard(
    rekap: Rekap, officer: Officer
) -> None:
    r = officer.post(f"{DUTY}/help", lat_e6="-6175000", lon_e6="106810000", note="pusing berat", script=True)
    assert r.status_code == 204
    [alert] = rekap.health.dashboard().alerts
    assert (alert.kind, alert.tps, alert.lat_e6, alert.lon_e6, alert.detail) == ("help", TPS, -6175000, 106810000,
                                                                                 "pusing berat")  # fmt: skip
    assert alert.name == "Sri Wahyuni"
    assert "belum ditanggapi" in officer.client.get(DUTY).text
    rekap.health.act(alert.id, "acknowledge", "token:coordinator")
    assert "koordinator sudah menanggapi" in officer.client.get(DUTY).text
    # no permission or no fix: the TPS alone; a position that cannot be one is dropped, never the call
    assert officer.post(f"{DUTY}/help", lat_e6="", lon_e6="", script=True).status_code == 204
    assert officer.post(f"{DUTY}/help", lat_e6="999999999", lon_e6="1", script=True).status_code == 204
    assert [(a.lat_e6, a.lon_e6) for a in rekap.health.dashboard().alerts[:2]] == [(None, None), (None, None)]


def test_an_officer_reports_only_for_their_own_tps_and_as_themselves(rekap: Rekap, officer: Officer) -> None:
    assert officer.client.get(f"/report/{ELSEWHERE}/duty").status_code == 403
    assert officer.post(f"/report/{ELSEWHERE}/duty/check-in", kind="start").status_code == 403
    api = {"x-csrf-token": officer.csrf}
    r = officer.client.post("/api/v1/health/check-ins", headers=api,
                            json={"officer_ref": "someone-else", "tps": TPS, "kind": "start"})  # fmt: skip
    assert r.status_code == 204
    assert [o.officer_ref for o in rekap.health.dashboard().officers] == [f"user:{officer.user}"]
    r = officer.client.post("/api/v1/health/check-ins", headers=api, json={"tps": ELSEWHERE, "kind": "start"})
    assert r.status_code == 403
    token = rekap.tokens.create("KPPS relay", "officer", "test")[1]
    r = TestClient(rekap.web_app()).post("/api/v1/health/help", headers={"Authorization": f"Bearer {token}"},
                                         json={"tps": TPS})  # fmt: skip
    assert r.status_code == 422 and r.json()["field"] == "officer_ref"


def test_nothing_of_an_officers_health_reaches_the_log(rekap: Rekap, officer: Officer) -> None:
    officer.post(f"{DUTY}/declaration", age="66", fitness="2", conditions=["jantung"], other="sesak saat tangga")
    officer.post(f"{DUTY}/check-in", kind="start", symptoms=["nyeri-dada"])
    officer.post(f"{DUTY}/help", lat_e6="-6175000", lon_e6="106810000", note="dada sakit")
    assert {a.kind for a in rekap.health.dashboard().alerts} == {"risk", "symptoms", "help"}
    with rekap.db.reader.connect() as conn:
        logged = " ".join(p for (p,) in conn.execute(select(t.log.c.payload)))
    for secret in ('"jantung"', "nyeri-dada", "dada sakit", "sesak saat tangga", "-6175000", "Sri Wahyuni"):
        assert secret not in logged


def test_a_coordinator_logged_in_reads_the_dashboard_and_acts_with_the_form_token(
    rekap: Rekap, officer: Officer
) -> None:
    rekap.people.create(CLI, "Dr. Ani", "health", "31.71", username="ani", password="rahasia2")
    coordinator = TestClient(rekap.web_app(), follow_redirects=False)
    csrf = re.search(r'name="csrf" value="([^"]+)"', coordinator.get("/login").text).group(1)  # type: ignore[union-attr]
    assert coordinator.post("/login", data={"username": "ani", "password": "rahasia2", "csrf": csrf}).status_code == 303
    page = coordinator.get("/health").text
    assert "data-session" in page and f'data-csrf="{csrf}"' in page and "data-health-login hidden" in page
    assert "data-session" not in TestClient(rekap.web_app()).get("/health").text  # anonymous: a token is asked for

    alert = rekap.health.need_help(f"user:{officer.user}", TPS, None, None)
    board = coordinator.get("/api/v1/health/dashboard")
    assert board.status_code == 200 and [a["id"] for a in board.json()["alerts"]] == [alert]
    url = f"/api/v1/health/alerts/{alert}/acknowledge"
    assert coordinator.post(url).status_code == 403  # a session's write without its form token
    acted = coordinator.post(url, headers={"x-csrf-token": csrf})
    assert acted.status_code == 200 and acted.json()["state"] == "acknowledged"
    assert officer.client.get("/api/v1/health/dashboard").status_code == 403  # an officer is no coordinator
