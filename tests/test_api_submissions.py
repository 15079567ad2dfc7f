"""Submitting results over HTTP: receipts, idempotency, every bad input with its own problem type."""

import pytest
from conftest import CONTEST, TPS, clean_result


def post(client, token, body=None, key=None, **overrides):
    body = body or {"tps": TPS, "contest": CONTEST, "result": clean_result()}
    body = body | overrides
    headers = {"Authorization": f"Bearer {token}"}
    if key:
        headers["Idempotency-Key"] = key
    return client.post("/api/v1/submissions", json=body, headers=headers)


def totals(client, region="31"):
    return client.get(f"/api/v1/contests/{CONTEST}/totals/{region}").json()


def test_submission_answers_with_a_receipt_and_moves_totals(client, officer_token):
    r = post(client, officer_token)
    assert r.status_code == 201
    receipt = r.json()
    assert receipt["accepted"] is True and receipt["flagged"] is False
    head = client.get("/api/v1/log/head").json()
    assert (head["seq"], head["hash"]) == (receipt["seq"], receipt["hash"])
    for region in ("31", "31.71", "31.71.01", "31.71.01.1001"):
        t = totals(client, region)
        assert [v["votes"] for v in t["votes"]] == [120, 150]
        assert t["progress"]["tps_reported"] == 1
    assert totals(client, "31.01")["progress"]["tps_reported"] == 0


def test_same_key_same_body_gives_the_same_receipt(client, officer_token):
    first = post(client, officer_token, key="tps1-try")
    again = post(client, officer_token, key="tps1-try")
    assert first.status_code == 201 and again.status_code == 200
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert totals(client)["progress"]["tps_reported"] == 1
    assert len(client.get(f"/api/v1/tps/{TPS}").json()["results"][0]["submissions"]) == 1


def test_same_key_different_body_is_a_conflict(client, officer_token):
    post(client, officer_token, key="k1")
    r = post(client, officer_token, key="k1", result=clean_result(votes=(121, 149)))
    assert r.status_code == 409
    assert r.json()["type"] == "/problems/idempotency-key-reused"
    assert r.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("auth", [None, "Bearer nope", "Basic abc"])
def test_submission_needs_a_valid_token(client, auth):
    headers = {"Authorization": auth} if auth else {}
    r = client.post("/api/v1/submissions", json={"tps": TPS, "contest": CONTEST, "result": clean_result()},
                    headers=headers)
    assert r.status_code == 401
    assert r.json()["type"] == "/problems/unauthorized"


def test_revoked_token_is_refused(client, rekap):
    info, secret = rekap.tokens.create("old", "officer", "test")
    rekap.tokens.revoke(info.id, "test")
    assert post(client, secret).status_code == 401


@pytest.mark.parametrize(("overrides", "status", "type_", "field"), [
    ({"tps": "31.71.01.1001-999"}, 404, "unknown-tps", "tps"),
    ({"contest": "presiden-2099"}, 404, "unknown-contest", "contest"),
    ({"result": clean_result() | {"votes": {"2": 120, "3": 150, "4": 0}}}, 422, "unknown-candidate", "votes.4"),
    ({"result": clean_result() | {"votes": {"2": 270}}}, 422, "missing-candidate", "votes.3"),
    ({"result": clean_result() | {"valid": 271}}, 422, "arithmetic-mismatch", "valid"),
    ({"result": clean_result() | {"voters": 274}}, 422, "arithmetic-mismatch", "voters"),
    ({"result": clean_result() | {"valid": 270.0}}, 422, "invalid-input", "result.valid"),
    ({"result": clean_result() | {"valid": "270"}}, 422, "invalid-input", "result.valid"),
    ({"photos": ["ab" * 32]}, 422, "photo-missing", "photos"),
    ({"photos": ["not-a-hash"]}, 422, "invalid-input", "photos.0"),
    ({"corrects": 1}, 422, "invalid-input", "reason"),
])
def test_bad_submissions_get_a_clear_error_and_change_nothing(client, officer_token, overrides, status, type_, field):
    before = client.get("/api/v1/log/head").json()
    r = post(client, officer_token, **overrides)
    assert r.status_code == status, r.text
    problem = r.json()
    assert problem["type"] == f"/problems/{type_}"
    assert problem["field"] == field
    assert client.get("/api/v1/log/head").json() == before


def test_arithmetic_rejection_lists_every_finding(client, officer_token):
    r = post(client, officer_token, result=clean_result() | {"valid": 271, "voters": 300})
    findings = {(f["rule"], f["field"], f["expected"], f["got"]) for f in r.json()["findings"]}
    assert ("C1-SUM", "valid", 270, 271) in findings
    assert ("C1-VOTERS", "voters", 275, 300) in findings


def test_volunteer_result_breaking_rules_is_stored_flagged(client, rekap):
    secret = rekap.tokens.create("relawan", "volunteer", "test")[1]
    r = post(client, secret, result=clean_result() | {"valid": 271})
    assert r.status_code == 201
    assert r.json()["flagged"] is True and r.json()["accepted"] is True
    assert totals(client)["flagged"] == 1
    tps = client.get(f"/api/v1/tps/{TPS}").json()
    assert tps["results"][0]["accepted"]["findings"][0]["rule"] == "C1-SUM"


def test_witness_is_recorded_never_accepted_and_disagreement_shows(client, rekap, officer_token):
    saksi = rekap.tokens.create("saksi 3", "witness", "test", candidate=3)[1]
    post(client, officer_token)
    r = post(client, saksi, result=clean_result(votes=(110, 160)))
    assert r.status_code == 201 and r.json()["accepted"] is False
    t = totals(client)
    assert [v["votes"] for v in t["votes"]] == [120, 150]
    assert t["disagreements"] == 1
    detail = client.get(f"/api/v1/tps/{TPS}").json()["results"][0]
    assert detail["disagreement"] is True
    assert [s["source"] for s in detail["submissions"]] == ["officer", "witness:3"]
    post(client, saksi, result=clean_result())  # the saksi's corrected copy now agrees
    assert totals(client)["disagreements"] == 0


def test_operator_correction_supersedes_and_keeps_history(client, rekap, officer_token):
    operator = rekap.tokens.create("operator", "operator", "test")[1]
    first = post(client, officer_token, result=clean_result(votes=(130, 150))).json()
    r = post(client, operator, result=clean_result(votes=(120, 150)), corrects=first["seq"], reason="misread 130")
    assert r.status_code == 201 and r.json()["accepted"] is True
    post(client, officer_token, result=clean_result(votes=(140, 150)))  # a later officer copy does not override
    assert [v["votes"] for v in totals(client)["votes"]] == [120, 150]
    subs = client.get(f"/api/v1/tps/{TPS}").json()["results"][0]["submissions"]
    assert [s["result"]["votes"]["2"] for s in subs] == [130, 120, 140]
    assert subs[1]["verified"] is True and subs[1]["corrects"] == first["seq"] and subs[1]["accepted"] is True


def test_correction_must_name_a_submission_of_the_same_tps(client, rekap, officer_token):
    operator = rekap.tokens.create("operator", "operator", "test")[1]
    first = post(client, officer_token).json()
    r = post(client, operator, tps="31.71.01.1001-002", result=clean_result(dpt=603), corrects=first["seq"],
             reason="x")
    assert r.status_code == 422 and r.json()["field"] == "corrects"


def test_token_scope_limits_the_tps(client, rekap):
    secret = rekap.tokens.create("KPPS Seribu", "officer", "test", scope="31.01")[1]
    r = post(client, secret)
    assert r.status_code == 403 and r.json()["type"] == "/problems/forbidden"


def test_latest_officer_submission_is_accepted(client, officer_token):
    post(client, officer_token)
    post(client, officer_token, result=clean_result(votes=(121, 149)))
    assert [v["votes"] for v in totals(client)["votes"]] == [121, 149]
    assert totals(client)["progress"]["tps_reported"] == 1


def test_token_use_is_recorded(client, rekap):
    info, secret = rekap.tokens.create("kpps baru", "officer", "test")
    assert post(client, secret).status_code == 201
    [row] = [r for r in rekap.tokens.listing() if r["id"] == info.id]
    assert row["last_used_at"] and "token_hash" not in row
