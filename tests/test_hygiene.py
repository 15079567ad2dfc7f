"""Token guessing throttled, failures counted in the logs, an access log, security headers on every answer,
HEAD answered like GET."""

import logging

import pytest
from conftest import CONTEST, TPS, clean_result
from fastapi.testclient import TestClient

from rekap.services.throttles import FailedAttempts
from rekap.web.throttle import AuthThrottle


class Clock:
    def __init__(self):
        self.now = 1_800_000_000

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def guarded(rekap, clock):
    from rekap.web.app import create_app

    throttle = AuthThrottle(FailedAttempts(rekap.db, clock).throttle("token", 5, 60, 60))
    app = create_app(rekap.web_services(), limits=rekap.web_limits(), throttle=throttle)
    return TestClient(app)


def submit(client, token):
    return client.post("/api/v1/submissions", json={"tps": TPS, "contest": CONTEST, "result": clean_result()},
                       headers={"Authorization": f"Bearer {token}"})


def test_guessing_tokens_from_one_address_gets_429_until_the_window_ends(guarded, clock, officer_token, caplog):
    assert submit(guarded, officer_token).status_code == 201  # known to this process from now on
    caplog.set_level(logging.WARNING, logger="rekap.auth")
    assert [submit(guarded, f"rk_guess{i}").status_code for i in range(5)] == [401] * 5
    r = submit(guarded, "rk_guess5")
    assert r.status_code == 429 and r.json()["type"] == "/problems/too-many-attempts"
    assert 1 <= int(r.headers["Retry-After"]) <= 60
    assert submit(guarded, "rk_guess6").status_code == 429
    assert any("failed token check" in m for m in caplog.messages)
    clock.now += 61
    assert submit(guarded, "rk_guess7").status_code == 401


def test_a_known_token_passes_while_its_address_is_throttled(guarded, officer_token):
    assert submit(guarded, officer_token).status_code == 201
    for i in range(6):
        submit(guarded, f"rk_guess{i}")
    r = guarded.post("/api/v1/submissions", json={"tps": TPS, "contest": CONTEST, "result": clean_result(),
                                                  "corrects": None},
                     headers={"Authorization": f"Bearer {officer_token}"})
    assert r.status_code == 201


def test_guessing_one_token_prefix_from_many_addresses_is_throttled(empty, clock):
    throttle = AuthThrottle(FailedAttempts(empty.db, clock).throttle("token", 3, 60, 60))
    for i in range(3):
        keys = throttle.keys(f"10.0.0.{i}", "rk_AAAAAAAAAxyz" + str(i))
        throttle.check(keys)
        throttle.failed(keys)
    with pytest.raises(Exception, match="too many"):
        throttle.check(throttle.keys("10.0.0.99", "rk_AAAAAAAAAnew"))
    throttle.check(throttle.keys("10.0.0.99", "rk_BBBBBBBBBnew"))  # another prefix, a fresh address: fine


def test_every_answer_carries_security_headers(client):
    for path in ("/", "/api/v1/contests", "/api/v1/nope", "/static/rekap.css"):
        r = client.get(path)
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        assert "frame-ancestors" in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"]
        assert "strict-transport-security" not in r.headers  # plain HTTP: HSTS would be a lie


def test_hsts_only_behind_tls(rekap):
    r = TestClient(rekap.web_app(), base_url="https://testserver").get("/api/v1/contests")
    assert r.headers["strict-transport-security"].startswith("max-age=")


def test_head_answers_like_get_without_a_body(client):
    for path in ("/", "/api/v1/contests", f"/api/v1/contests/{CONTEST}/totals/31"):
        get, head = client.get(path), client.head(path)
        assert head.status_code == get.status_code == 200
        assert head.content == b""
        assert head.headers["content-type"] == get.headers["content-type"]
        assert head.headers.get("etag") == get.headers.get("etag")


def test_each_request_is_one_access_log_line(client, caplog):
    caplog.set_level(logging.INFO, logger="rekap.access")
    client.get("/api/v1/contests")
    client.get("/api/v1/nope")
    lines = [r.getMessage() for r in caplog.records if r.name == "rekap.access"]
    assert any(" GET /api/v1/contests 200 " in m for m in lines)
    assert any(" GET /api/v1/nope 404 " in m for m in lines)


def test_api_docs_load_nothing_from_elsewhere(client):
    page = client.get("/docs")
    assert page.status_code == 200
    assert "http://" not in page.text and "https://" not in page.text
    assert "<script>" not in page.text  # every script has a src: the CSP allows no inline script
    for src in ("/docs/assets/swagger-ui-bundle.js", "/docs/assets/swagger-ui.css", "/docs/start.js"):
        assert src in page.text
        assert client.get(src).status_code == 200
