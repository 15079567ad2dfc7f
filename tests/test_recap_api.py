"""A recap over the API: an operator enters a D-form, sees its differences named, signs it off in the open; every
refusal has its own problem type and changes nothing."""

import pytest
from recap_story import KECAMATAN, KEL_A, KEL_B, auth, d_form_photo, recap_body, report_tps, url


@pytest.fixture
def operator(rekap):
    return rekap.tokens.create("PPK Gambir", "operator", "test", scope=KECAMATAN)[1]


@pytest.fixture
def above(rekap):
    return rekap.tokens.create("KPU Jakarta Pusat", "operator", "test", scope="31.71")[1]


@pytest.fixture
def counted(rekap):
    report_tps(rekap, KEL_A)
    report_tps(rekap, KEL_B)
    return rekap


def test_an_honest_recap_has_no_differences_and_signs_off_without_explanation(client, counted, operator):
    photo = d_form_photo(client, operator)
    assert client.post(url(KEL_A, "start"), headers=auth(operator)).status_code == 201
    assert client.get(url(KEL_A)).json()["status"] == "in_plenary"
    r = client.put(url(KEL_A), json=recap_body(client, KEL_A, photos=(photo,)), headers=auth(operator))
    assert r.status_code == 201 and r.json()["kind"] == "recap.entered"
    view = client.get(url(KEL_A)).json()
    assert view["status"] == "entered" and view["differences"] == []
    assert client.post(url(KEL_A, "sign-off"), json={}, headers=auth(operator)).status_code == 201
    view = client.get(url(KEL_A)).json()
    assert view["status"] == "signed_off" and view["signed_by"].startswith("token:")


def test_a_kecamatan_difference_is_explained_by_the_kelurahan_that_made_it(client, counted, operator):
    photo = d_form_photo(client, operator)
    client.put(url(KEL_B), json=recap_body(client, KEL_B, 25, (photo,)), headers=auth(operator))
    kel_b = client.get(url(KEL_B)).json()
    assert [(d["count"], d["from_real"], d["at_this_tier"]) for d in kel_b["differences"]] == [
        ("votes.2", 25, 25),
        ("valid", 25, 25),
        ("voters", 25, 25),
    ]
    client.put(url(KECAMATAN), json=recap_body(client, KECAMATAN, 25, (photo,)), headers=auth(operator))
    view = client.get(url(KECAMATAN)).json()
    votes2 = next(d for d in view["differences"] if d["count"] == "votes.2")
    assert votes2["from_real"] == 25 and votes2["at_this_tier"] == 0
    assert [(e["child"]["code"], e["votes"]) for e in votes2["explained_by"]] == [(KEL_B, 25)]
    refused = client.post(url(KECAMATAN, "sign-off"), json={"explanation": "  "}, headers=auth(operator))
    assert refused.status_code == 409
    assert refused.json()["type"] == "/problems/recap-differences-unexplained"
    assert {d["count"] for d in refused.json()["differences"]} == {"votes.2", "valid", "voters"}
    assert client.get(url(KECAMATAN)).json()["status"] == "entered"
    ok = client.post(
        url(KECAMATAN, "sign-off"), json={"explanation": "PPS Kebon Kelapa recounted TPS 3"}, headers=auth(operator)
    )
    assert ok.status_code == 201
    view = client.get(url(KECAMATAN)).json()
    assert view["status"] == "signed_off" and view["explanation"] == "PPS Kebon Kelapa recounted TPS 3"


def test_a_late_c1_after_sign_off_is_named_and_moves_the_difference(client, counted, rekap, operator):
    photo = d_form_photo(client, operator)
    client.put(url(KEL_A), json=recap_body(client, KEL_A, photos=(photo,)), headers=auth(operator))
    client.post(url(KEL_A, "sign-off"), json={}, headers=auth(operator))
    client.put(url(KECAMATAN), json=recap_body(client, KECAMATAN, photos=(photo,)), headers=auth(operator))
    assert client.get(url(KECAMATAN)).json()["differences"] == []
    report_tps(rekap, KEL_A, votes=(101, 80))  # every TPS of Gambir reports again: one more vote each for 2
    view = client.get(url(KECAMATAN)).json()
    votes2 = next(d for d in view["differences"] if d["count"] == "votes.2")
    assert votes2["from_real"] == -4 and votes2["at_this_tier"] == 0
    [named] = votes2["explained_by"]
    assert named["child"]["code"] == KEL_A and named["votes"] == -4
    assert named["changed_tps"] == [f"{KEL_A}-{n:03d}" for n in range(1, 5)]
    assert client.get(url(KEL_A)).json()["changed_since_signed"] == named["changed_tps"]


def test_a_correction_needs_a_reason_and_a_signed_recap_must_be_reopened_from_above(client, counted, operator, above):
    photo = d_form_photo(client, operator)
    body = recap_body(client, KEL_A, photos=(photo,))
    client.put(url(KEL_A), json=body, headers=auth(operator))
    again = client.put(url(KEL_A), json=body, headers=auth(operator))
    assert again.status_code == 422 and again.json()["field"] == "reason"
    fixed = recap_body(client, KEL_A, photos=(photo,), reason="typo in invalid votes")
    assert client.put(url(KEL_A), json=fixed, headers=auth(operator)).status_code == 201
    client.post(url(KEL_A, "sign-off"), json={}, headers=auth(operator))
    locked = client.put(url(KEL_A), json=fixed, headers=auth(operator))
    assert locked.status_code == 409 and locked.json()["type"] == "/problems/recap-transition-refused"
    own = client.post(url(KECAMATAN, "start"), headers=auth(operator))
    assert own.status_code == 201
    no_reason = client.post(url(KEL_A, "reopen"), json={"reason": ""}, headers=auth(operator))
    assert no_reason.status_code == 422
    assert client.post(url(KEL_A, "reopen"), json={"reason": "recount"}, headers=auth(operator)).status_code == 201
    assert client.get(url(KEL_A)).json()["status"] == "reopened"
    client.put(url(KECAMATAN), json=recap_body(client, KECAMATAN, photos=(photo,)), headers=auth(operator))
    client.post(url(KECAMATAN, "sign-off"), json={}, headers=auth(operator))
    same_tier = client.post(url(KECAMATAN, "reopen"), json={"reason": "x"}, headers=auth(operator))
    assert same_tier.status_code == 403
    assert client.post(url(KECAMATAN, "reopen"), json={"reason": "x"}, headers=auth(above)).status_code == 201


@pytest.mark.parametrize(
    ("role", "scope", "status", "type_"),
    [
        ("officer", "31.71.01", 403, "forbidden"),
        ("operator", "31.01", 403, "forbidden"),
    ],
)
def test_only_an_operator_of_the_region_enters_its_recap(client, counted, rekap, role, scope, status, type_):
    token = rekap.tokens.create("someone", role, "test", scope=scope)[1]
    r = client.put(url(KEL_A), json=recap_body(client, KEL_A), headers=auth(token))
    assert (r.status_code, r.json()["type"]) == (status, f"/problems/{type_}")
    assert client.get(url(KEL_A)).json()["status"] == "not_started"


def test_bad_recaps_get_a_clear_error_and_change_nothing(client, counted, rekap, operator):
    head = client.get("/api/v1/log/head").json()["seq"]
    body = recap_body(client, KEL_A)
    cases = [
        (url("31.71.01.9999"), body, 404, "unknown-region"),
        (f"/api/v1/contests/nope/recaps/{KEL_A}", body, 404, "unknown-contest"),
        (url(KEL_A), {**body, "result": {**body["result"], "votes": {"2": 1}}}, 422, "missing-candidate"),
        (url(KEL_A), {**body, "photos": ["ab" * 32]}, 422, "photo-missing"),
        (url(KEL_A), {**body, "result": {**body["result"], "valid": 1.5}}, 422, "invalid-input"),
    ]
    for path, b, status, type_ in cases:
        r = client.put(path, json=b, headers=auth(operator))
        assert (r.status_code, r.json()["type"]) == (status, f"/problems/{type_}"), (path, r.json())
    assert client.post(url(KEL_A, "sign-off"), json={}, headers=auth(operator)).status_code == 409
    client.put(url(KEL_A), json=body, headers=auth(operator))
    no_photo = client.post(url(KEL_A, "sign-off"), json={}, headers=auth(operator))
    assert no_photo.json()["type"] == "/problems/recap-photo-required"
    assert client.get("/api/v1/log/head").json()["seq"] == head + 1


def test_broken_arithmetic_on_the_d_form_is_recorded_as_findings(client, counted, operator):
    body = recap_body(client, KEL_A)
    body["result"]["valid"] += 7
    client.put(url(KEL_A), json=body, headers=auth(operator))
    assert {f["rule"] for f in client.get(url(KEL_A)).json()["findings"]} >= {"C1-SUM", "C1-USED"}


def test_progress_lists_each_kelurahan_with_its_status(client, counted, rekap, operator):
    rekap.streams.set(KEL_A, "https://www.youtube.com/watch?v=abcdefghijk", "test")
    client.post(url(KEL_A, "start"), headers=auth(operator))
    p = client.get(url(KECAMATAN, "progress")).json()
    lines = {line["region"]["code"]: line for line in p["lines"]}
    assert lines[KEL_A]["status"] == "in_plenary" and lines[KEL_A]["stream"].startswith("https://")
    assert lines[KEL_B]["status"] == "not_started" and p["counts"] == {"in_plenary": 1, "not_started": 5}


def test_verify_and_rebuild_cover_the_recap(client, counted, rekap, operator):
    photo = d_form_photo(client, operator)
    client.put(url(KEL_B), json=recap_body(client, KEL_B, 3, (photo,)), headers=auth(operator))
    client.post(url(KEL_B, "sign-off"), json={"explanation": "recount"}, headers=auth(operator))
    before = client.get(url(KEL_B)).json()
    assert rekap.verify().ok
    rekap.rebuild()
    from rekap.store import tables as t

    with rekap.db.reader.connect() as conn:
        rows = conn.execute(t.recaps.select()).all()
    assert [(r.region, r.status, r.explanation) for r in rows] == [(KEL_B, "signed_off", "recount")]
    assert client.get(url(KEL_B)).json() == before
    if not rekap.db.is_sqlite:  # folded in parts: every part folds the recaps, the first one sends them
        rekap.rebuild(parts=2)
        with rekap.db.reader.connect() as conn:
            assert conn.execute(t.recaps.select()).all() == rows
        assert rekap.verify().ok


STEPS = {
    "start": ("POST", "start", {}),
    "enter": ("PUT", "", None),
    "sign-off": ("POST", "sign-off", {"explanation": "the TPS of this kelurahan are not imported here"}),
    "reopen": ("POST", "reopen", {"reason": "recount"}),
}
WALK = {"not_started": [], "in_plenary": ["start"], "entered": ["start", "enter"],
        "signed_off": ["start", "enter", "sign-off"], "reopened": ["start", "enter", "sign-off", "reopen"]}  # fmt: skip


def test_every_step_from_every_status_over_http(client, rekap):
    """Each (status, step) on a kelurahan of its own: 201 where docs/recap.md draws an arrow, else 409."""
    from rekap.domain.recap import TRANSITIONS

    token = rekap.tokens.create("KPU DKI", "operator", "test", scope="31")[1]
    photo = d_form_photo(client, token)
    kelurahan = iter(sorted(c for c, r in rekap.writer.state.regions.items() if r.level == 4 and c.startswith("31.71")))

    def take(region, step, n):
        method, path, body = STEPS[step]
        if body is None:
            body = recap_body(client, region, photos=(photo,), reason="again" if n else None)
        return client.request(method, url(region, path), json=body, headers=auth(token))

    kinds = {
        "start": "recap.started",
        "enter": "recap.entered",
        "sign-off": "recap.signed_off",
        "reopen": "recap.reopened",
    }
    for status, walk in WALK.items():
        for step in STEPS:
            region = next(kelurahan)
            for n, earlier in enumerate(walk):
                assert take(region, earlier, walk[:n].count("enter")).status_code == 201
            assert client.get(url(region)).json()["status"] == status
            allowed, after = TRANSITIONS[kinds[step]]
            r = take(region, step, 1 if status in ("entered", "reopened") else 0)
            if status in allowed:
                assert r.status_code == 201, (status, step, r.json())
                assert client.get(url(region)).json()["status"] == after
            else:
                assert (r.status_code, r.json()["type"]) == (409, "/problems/recap-transition-refused"), (status, step)
                assert r.json()["recap_status"] == status
