"""Logging in over HTTP: throttling and lockout, CSRF, session expiry, revoked grants, internal-only mode, and the
field form's submission path (a person's grant is a Reporter like a token)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rekap.bootstrap import Rekap
from rekap.demo.simulate import DATA
from rekap.services.people import CLI
from rekap.settings import Settings
from tests.conftest import CONTEST, KELURAHAN, TPS, clean_result, small_tps_file


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000

    def __call__(self) -> int:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def _open(settings: Settings, clock: Clock, tmp_path: Path) -> Rekap:
    rekap = Rekap.open(settings, create=False, clock=clock)
    rekap.imports.regions(DATA / "wilayah_dki.csv", "test")
    rekap.imports.tps(small_tps_file(tmp_path), "test")
    rekap.imports.election(DATA / "pilkada_dki2017_r2.toml", "test")
    return rekap


@pytest.fixture
def app(settings: Settings, clock: Clock, tmp_path: Path) -> Iterator[Rekap]:
    rekap = _open(settings, clock, tmp_path)
    yield rekap
    rekap.close()


@pytest.fixture
def web(app: Rekap) -> TestClient:
    return TestClient(app.web_app(), follow_redirects=False)


def csrf_of(client: TestClient, path: str = "/login") -> str:
    page = client.get(path)
    assert page.headers["cache-control"] == "no-store"
    m = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert m, page.text[:500]
    return m.group(1)


def login(client: TestClient, username: str, password: str) -> int:
    token = csrf_of(client)
    r = client.post("/login", data={"username": username, "password": password, "csrf": token})
    return r.status_code


def test_login_sets_a_strict_cookie_and_logout_everywhere_ends_it(app: Rekap, web: TestClient) -> None:
    app.people.create(CLI, "Ani", "officer", TPS, username="ani", password="rahasia1")
    token = csrf_of(web)
    r = web.post("/login", data={"username": "ani", "password": "rahasia1", "csrf": token})
    assert r.status_code == 303 and r.headers["location"] == "/report"
    cookie = r.headers["set-cookie"]
    assert "rk_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    assert web.get("/report").headers["location"] == f"/report/{TPS}"
    assert web.get(f"/report/{TPS}").status_code == 200
    other = TestClient(web.app, follow_redirects=False)
    assert login(other, "ani", "rahasia1") == 303
    r = web.post("/logout", data={"csrf": token, "everywhere": "1"})
    assert r.status_code == 303
    assert other.get("/account").headers["location"].startswith("/login?next=")


def test_a_session_behind_tls_is_secure(app: Rekap) -> None:
    app.people.create(CLI, "Ani", "officer", TPS, username="ani", password="rahasia1")
    client = TestClient(app.web_app(), base_url="https://rekap.example", follow_redirects=False)
    token = csrf_of(client)
    r = client.post("/login", data={"username": "ani", "password": "rahasia1", "csrf": token})
    assert "Secure" in r.headers["set-cookie"]


def test_failed_logins_lock_the_account_then_let_it_in_again(app: Rekap, web: TestClient, clock: Clock) -> None:
    app.people.create(CLI, "Ani", "officer", TPS, phone="081234567890", password="rahasia1")
    assert [login(web, "081234567890", "wrong-pin") for _ in range(5)] == [401] * 5
    token = csrf_of(web)
    r = web.post("/login", data={"username": "081234567890", "password": "rahasia1", "csrf": token})
    assert r.status_code == 429 and int(r.headers["retry-after"]) == 900
    clock.now += 899
    assert login(web, "081234567890", "rahasia1") == 429
    clock.now += 1
    assert login(web, "081234567890", "rahasia1") == 303


def test_one_address_trying_many_accounts_is_locked_out(app: Rekap, web: TestClient) -> None:
    app.people.create(CLI, "Ani", "officer", TPS, username="ani", password="rahasia1")
    for n in range(20):
        assert login(web, f"nobody{n}", "x" * 8) == 401
    assert login(web, "ani", "rahasia1") == 429


def test_a_form_without_its_csrf_token_is_refused(app: Rekap, web: TestClient) -> None:
    app.people.create(CLI, "Ani", "officer", TPS, username="ani", password="rahasia1")
    csrf_of(web)
    r = web.post("/login", data={"username": "ani", "password": "rahasia1"})
    assert r.status_code == 403 and r.json()["type"] == "/problems/csrf-failed"
    assert login(web, "ani", "rahasia1") == 303
    r = web.post("/api/v1/submissions", json={"tps": TPS, "contest": CONTEST, "result": clean_result()})
    assert r.status_code == 403 and r.json()["type"] == "/problems/csrf-failed"


def test_an_idle_or_old_session_goes_back_to_login(app: Rekap, web: TestClient, clock: Clock) -> None:
    app.people.create(CLI, "Ani", "officer", TPS, username="ani", password="rahasia1")
    assert login(web, "ani", "rahasia1") == 303
    clock.now += app.settings.session_idle_seconds - 60
    assert web.get("/account").status_code == 200
    clock.now += app.settings.session_idle_seconds + 1
    r = web.get("/account")
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/account"
    assert login(web, "ani", "rahasia1") == 303
    for _ in range(7):  # active all along, yet past the absolute limit
        clock.now += app.settings.session_idle_seconds - 60
        web.get("/account")
    assert web.get("/account").status_code == 303


def test_a_revoked_grant_is_refused_at_once(app: Rekap, web: TestClient) -> None:
    _, gid, _ = app.people.create(CLI, "Ani", "officer", TPS, username="ani", password="rahasia1")
    assert login(web, "ani", "rahasia1") == 303
    token = csrf_of(web, "/account")
    assert web.get(f"/report/{TPS}").status_code == 200
    app.people.revoke(CLI, gid)
    assert web.get(f"/report/{TPS}").status_code == 403
    r = web.post("/api/v1/submissions", json={"tps": TPS, "contest": CONTEST, "result": clean_result()},
                 headers={"x-csrf-token": token})  # fmt: skip
    assert r.status_code == 403


def test_an_officer_reports_through_the_grant_and_must_send_a_photo(settings: Settings, clock: Clock,
                                                                     tmp_path: Path) -> None:  # fmt: skip
    from dataclasses import replace

    rekap = _open(replace(settings, photo_required_from=frozenset({"officer"})), clock, tmp_path)
    try:
        rekap.people.create(CLI, "Ani", "officer", TPS, username="ani", password="rahasia1")
        web = TestClient(rekap.web_app(), follow_redirects=False)
        assert login(web, "ani", "rahasia1") == 303
        headers = {"x-csrf-token": csrf_of(web, "/account"), "Idempotency-Key": "k1"}
        body = {"tps": TPS, "contest": CONTEST, "result": clean_result()}
        r = web.post("/api/v1/submissions", json=body, headers=headers)
        assert r.status_code == 422 and r.json()["type"] == "/problems/photo-required"
        from tests.test_api_photos import image_bytes

        photo = image_bytes()
        import hashlib

        sha = hashlib.sha256(photo).hexdigest()
        r = web.put(f"/api/v1/photos/{sha}", content=photo, headers={**headers, "Content-Type": "image/jpeg"})
        assert r.status_code == 201, r.text
        body["photos"] = [sha]
        first = web.post("/api/v1/submissions", json=body, headers=headers)
        assert first.status_code == 201 and first.json()["accepted"]
        again = web.post("/api/v1/submissions", json=body, headers=headers)
        assert again.status_code == 200 and again.json()["seq"] == first.json()["seq"]
        elsewhere = {**body, "tps": f"{TPS[:-1]}2"}
        assert (
            web.post("/api/v1/submissions", json=elsewhere, headers={**headers, "Idempotency-Key": "k2"}).status_code
            == 403
        )
        assert rekap.verify().ok
    finally:
        rekap.close()


def test_internal_only_mode_shows_nothing_anonymously(settings: Settings, clock: Clock, tmp_path: Path) -> None:
    from dataclasses import replace

    rekap = _open(replace(settings, public=False), clock, tmp_path)
    try:
        rekap.people.create(CLI, "Pak Wali", "viewer", "31.71", username="wali", password="rahasia1")
        web = TestClient(rekap.web_app(), follow_redirects=False)
        for path in ("/", f"/tps/{TPS}", f"/api/v1/tps/{TPS}", "/api/v1/log", f"/api/v1/photos/{'0' * 64}",
                     f"/api/v1/events?topic=t:{TPS}", "/search?q=gambir", f"/c/{CONTEST}/r/31.71.csv"):  # fmt: skip
            r = web.get(path, headers={"accept": "application/json"})
            assert r.status_code == 401 or r.headers.get("location", "").startswith("/login"), path
        assert web.get("/", headers={"accept": "text/html"}).headers["location"] == "/login?next=/"
        assert login(web, "wali", "rahasia1") == 303
        page = web.get(f"/c/{CONTEST}/r/31.71")
        assert page.status_code == 200 and page.headers["cache-control"] == "private, no-store"
        assert not rekap.web_app().state.answers._items  # nothing went to the public answer cache
    finally:
        rekap.close()


def test_a_volunteer_sends_photos_alone_and_a_witness_is_compared_not_accepted(app: Rekap, web: TestClient) -> None:
    import hashlib

    from sqlalchemy import select

    from rekap.store import tables as t
    from tests.test_api_photos import image_bytes

    app.people.create(CLI, "Relawan", "volunteer", TPS, username="rel", password="rahasia1")
    app.people.create(CLI, "Saksi", "witness", TPS, username="saksi", password="rahasia1", candidate=2)
    assert login(web, "rel", "rahasia1") == 303
    headers = {"x-csrf-token": csrf_of(web, "/account"), "Idempotency-Key": "p1"}
    photo = image_bytes()
    sha = hashlib.sha256(photo).hexdigest()
    body = {"tps": TPS, "contest": CONTEST, "photos": [sha]}
    r = web.post("/api/v1/photo-reports", json=body, headers=headers)
    assert r.status_code == 422 and r.json()["type"] == "/problems/photo-missing"
    web.put(f"/api/v1/photos/{sha}", content=photo, headers={**headers, "Content-Type": "image/jpeg"})
    web.get("/")  # the read model loaded
    region, tps = app.read_model.region_version("31", CONTEST), app.read_model.tps_version(TPS)
    first = web.post("/api/v1/photo-reports", json=body, headers=headers)
    assert first.status_code == 201
    # only the TPS's answers are new: a crowd of volunteers' photos leaves every other cached page as it is
    assert app.read_model.region_version("31", CONTEST) == region and app.read_model.tps_version(TPS) != tps
    again = web.post("/api/v1/photo-reports", json=body, headers=headers)
    assert again.status_code == 200 and again.json()["seq"] == first.json()["seq"]
    with app.db.reader.connect() as conn:
        rows = conn.execute(select(t.photo_reports)).all()
    assert [(r.tps, r.photos, r.source, r.digitised_seq) for r in rows] == [(TPS, sha, "volunteer", None)]

    witness = TestClient(web.app, follow_redirects=False)
    assert login(witness, "saksi", "rahasia1") == 303
    token = csrf_of(witness, "/account")
    r = witness.post("/api/v1/submissions", json={"tps": TPS, "contest": CONTEST, "result": clean_result()},
                     headers={"x-csrf-token": token})  # fmt: skip
    assert r.status_code == 201 and r.json()["accepted"] is False
    app.rebuild()
    assert app.verify().ok


def test_the_form_speaks_english_and_serves_its_rules_as_data(app: Rekap, web: TestClient) -> None:
    from rekap.domain.rules import rules_as_data

    app.people.create(CLI, "Ani", "officer", TPS, username="ani", password="rahasia1")
    assert login(web, "ani", "rahasia1") == 303
    page = web.get(f"/report/{TPS}?lang=en")
    assert page.status_code == 200 and "Review" in page.text and "Votes" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert "<script>" not in page.text and " onclick=" not in page.text  # no inline script: CSP-ready
    fields = re.findall(r'name="((?:votes\.)?\w+)" (?:data-candidate="\d+" )?type="number"', page.text)
    assert fields == ["dpt", "dptb", "dpk", "voters", "used", "unused", "damaged", "votes.2", "votes.3", "valid",
                      "invalid"]  # fmt: skip
    data = web.get(f"/report/{TPS}/data.json").json()
    assert data["rules"] == rules_as_data() and data["tps"]["code"] == TPS
    assert [c["id"] for c in data["contests"]] == [CONTEST]


def test_an_operator_resets_a_forgotten_pin(app: Rekap, web: TestClient) -> None:
    user, _, _ = app.people.create(CLI, "Ani", "officer", TPS, username="ani", password="rahasia1")
    assert login(web, "ani", "rahasia1") == 303
    op, gid, _ = app.people.create(CLI, "Op", "operator", "31.71.01", username="op", password="rahasia2")
    from rekap.domain.grants import Grant
    from rekap.domain.people import Actor

    (fresh,) = app.people.reissue(Actor(op, (Grant(gid, op, "operator", "31.71.01"),)), [user])
    assert web.get("/account").status_code == 303  # her sessions ended
    assert login(web, "ani", "rahasia1") == 401  # and the old PIN with them
    token = csrf_of(web, "/activate")
    r = web.post("/activate", data={"code": fresh.code, "pin": "975310", "pin2": "975310", "csrf": token})
    assert r.status_code == 303 and web.get("/account").status_code == 200


def test_a_person_with_two_grants_acts_under_the_widest_that_covers_the_target(app: Rekap, web: TestClient) -> None:
    """The KPPS of one TPS who is also operator of its kelurahan's neighbour and of the whole kecamatan: a held
    result elsewhere in the kecamatan is confirmed, and a correction verified, under the kecamatan's grant; the
    report itself still counts as the TPS's officer's."""
    held_tps = f"{KELURAHAN}-004"
    user, _, _ = app.people.create(CLI, "Bu Rina", "officer", TPS, username="rina", password="rahasia1")
    app.people.give(CLI, user, "operator", "31.71.01.1002")
    kecamatan = app.people.give(CLI, user, "operator", "31.71.01")
    assert login(web, "rina", "rahasia1") == 303
    headers = {"x-csrf-token": csrf_of(web, "/account")}

    volunteer = app.tokens.create("relawan", "volunteer", KELURAHAN)[1]
    inflated = clean_result(dpt=493, votes=(300, 190), invalid=20) | {"unused": 0, "dpk": 30}
    held = web.post("/api/v1/submissions", json={"tps": held_tps, "contest": CONTEST, "result": inflated},
                    headers={"Authorization": f"Bearer {volunteer}"}).json()  # fmt: skip
    assert held["held"] is True, held
    r = web.post(f"/api/v1/submissions/{held['seq']}/confirm", json={"reason": "saw the photo"}, headers=headers)
    assert r.status_code == 201, r.text
    assert not app.writer.state.accepted[(held_tps, CONTEST)].held

    first = web.post("/api/v1/submissions", json={"tps": TPS, "contest": CONTEST, "result": clean_result()},
                     headers=headers).json()  # fmt: skip
    fix = {"tps": TPS, "contest": CONTEST, "result": clean_result(votes=(121, 150)), "corrects": first["seq"],
           "reason": "misread 120"}  # fmt: skip
    fixed = web.post("/api/v1/submissions", json=fix, headers=headers)
    assert fixed.status_code == 201, fixed.text
    report, correction = [s for r in app.tps.detail(TPS).results for s in r.submissions]
    assert report.source == "officer" and not report.verified
    assert correction.verified and correction.accepted
    actors = {e.seq: e.actor for e in app.public_log.page(0, 1000).entries}
    assert actors[fixed.json()["seq"]] == f"grant:{kecamatan}"
    assert app.verify().ok


def test_a_correction_without_a_reason_is_refused_and_changes_nothing(app: Rekap, web: TestClient) -> None:
    app.people.create(CLI, "Ani", "officer", TPS, username="ani", password="rahasia1")
    assert login(web, "ani", "rahasia1") == 303
    headers = {"x-csrf-token": csrf_of(web, f"/report/{TPS}")}
    first = web.post("/api/v1/submissions", json={"tps": TPS, "contest": CONTEST, "result": clean_result()},
                     headers=headers).json()  # fmt: skip
    data = web.get(f"/report/{TPS}/data.json").json()
    assert data["contests"][0]["counted"] == {"seq": first["seq"], "result": clean_result()}
    seq = app.writer.state.seq
    for reason in (None, "", "   "):
        fix = {"tps": TPS, "contest": CONTEST, "result": clean_result(votes=(121, 150)), "corrects": first["seq"],
               "reason": reason}  # fmt: skip
        r = web.post("/api/v1/submissions", json=fix, headers=headers)
        assert r.status_code == 422, r.text
        assert r.json()["type"] == "/problems/invalid-input" and r.json()["field"] == "reason"
        assert "reason" in r.json()["detail"]
    assert app.writer.state.seq == seq


def test_two_workers_on_one_database_share_one_budget_of_failures(settings: Settings, clock: Clock,
                                                                  tmp_path: Path) -> None:  # fmt: skip
    """`rekap serve --workers N`: each worker is an instance of its own on the shared database. Guessing across
    them gets no more tries than guessing at one."""
    first = _open(settings, clock, tmp_path)
    second = Rekap.open(settings, create=False, clock=clock)
    try:
        first.people.create(CLI, "Ani", "officer", TPS, username="ani", password="rahasia1")
        a, b = (TestClient(r.web_app(), follow_redirects=False) for r in (first, second))
        assert [login(w, "ani", "wrong-pin") for w in (a, b, a, b, a)] == [401] * 5
        assert login(b, "ani", "rahasia1") == 429 and login(a, "ani", "rahasia1") == 429
        clock.now += 900
        assert login(b, "ani", "rahasia1") == 303

        def guess(client: TestClient, n: int) -> int:
            body = {"tps": TPS, "contest": CONTEST, "result": clean_result()}
            return client.post("/api/v1/submissions", json=body, headers={"Authorization": f"Bearer rk_guess{n}"}
                               ).status_code  # fmt: skip

        limit = settings.auth_failures
        assert [guess(a if n % 2 else b, n) for n in range(limit)] == [401] * limit
        assert guess(a, limit) == 429 and guess(b, limit + 1) == 429
    finally:
        second.close()
        first.close()
