"""Bodies an attacker sends to crash a handler: each is a clear 4xx problem, never a 500 or a retryable 503."""

import pytest
from conftest import CONTEST, TPS, clean_result
from fastapi.testclient import TestClient


@pytest.fixture
def raw_client(rekap):
    return TestClient(rekap.web_app(), raise_server_exceptions=False)


def post(client, token, **overrides):
    body = {"tps": TPS, "contest": CONTEST, "result": clean_result()} | overrides
    return client.post("/api/v1/submissions", json=body, headers={"Authorization": f"Bearer {token}",
                                                                   "Idempotency-Key": "k"})


def votes_with_key(key):
    result = clean_result()
    result["votes"] = {key: 1, "2": 120, "3": 150}
    return result


@pytest.mark.parametrize("key", ["²", "5" * 5000, "٣", "", "-1", " 2"])
def test_a_vote_key_that_is_no_ballot_number_is_refused(raw_client, officer_token, key):
    r = post(raw_client, officer_token, result=votes_with_key(key))
    assert r.status_code == 422, r.text
    assert r.json()["type"] == "/problems/invalid-input"
    assert r.json()["field"].startswith("result.votes")


@pytest.mark.parametrize("seq", [2**63, 2**63 - 1, 2**64, -(2**63) - 1, 0, -1])
def test_a_correction_of_a_seq_beyond_any_log_is_refused(raw_client, officer_token, seq):
    r = post(raw_client, officer_token, corrects=seq, reason="salah baca")
    assert r.status_code in (400, 422), r.text
    assert r.json()["field"] == "corrects"
    assert "Retry-After" not in r.headers
