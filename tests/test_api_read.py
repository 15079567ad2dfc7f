"""Public reads: contests, regions, totals with children and progress, TPS detail, the log, caching."""

import itertools

from conftest import CONTEST, KELURAHAN, TPS, clean_result


def submit(client, token, tps=TPS, **kw):
    r = client.post("/api/v1/submissions", json={"tps": tps, "contest": CONTEST, "result": clean_result(**kw)},
                    headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 201, r.text
    return r.json()


def test_contests_list_the_candidates(client):
    [contest] = client.get("/api/v1/contests").json()
    assert contest["id"] == CONTEST and contest["scope"] == "31"
    assert [c["number"] for c in contest["candidates"]] == [2, 3]
    assert contest["candidates"][1]["names"] == ["Anies Rasyid Baswedan", "Sandiaga Salahuddin Uno"]


def test_region_has_path_and_children(client):
    r = client.get("/api/v1/regions/31.71.01").json()
    assert r["name"] == "Gambir" and r["level"] == 3
    assert [p["code"] for p in r["path"]] == ["ID", "31", "31.71"]
    assert r["parent"]["code"] == "31.71"
    assert [c["code"] for c in r["children"]][:2] == ["31.71.01.1001", "31.71.01.1002"]
    assert r["tps_count"] > 0
    province = client.get("/api/v1/regions/31").json()
    assert len(province["children"]) == 6


def test_unknown_region_is_a_problem(client):
    r = client.get("/api/v1/regions/99.99")
    assert r.status_code == 404 and r.json() == {
        "type": "/problems/unknown-region", "title": "Unknown region", "status": 404,
        "detail": "no region '99.99'", "field": "region_code"}


def test_totals_are_provisional_with_children_and_progress(client, officer_token):
    submit(client, officer_token)
    t = client.get(f"/api/v1/contests/{CONTEST}/totals/31.71").json()
    assert t["provisional"] is True and "plenary" in t["note"]
    assert t["progress"]["tps_reported"] == 1 and t["progress"]["dpt_reported"] == 598
    gambir = next(c for c in t["children"] if c["region"]["code"] == "31.71.01")
    assert gambir["progress"]["tps_reported"] == 1
    assert gambir["progress"]["tps_total"] == t["progress"]["tps_total"]  # only Gambir's TPS were imported
    assert t["updated_at"].endswith("Z")


def test_nation_totals_show_the_scope_region_as_child(client, officer_token):
    submit(client, officer_token)
    t = client.get(f"/api/v1/contests/{CONTEST}/totals/ID").json()
    assert [c["region"]["code"] for c in t["children"]] == ["31"]


def test_tps_detail_has_results_photos_history_hashes(client, officer_token):
    receipt = submit(client, officer_token)
    d = client.get(f"/api/v1/tps/{TPS}").json()
    assert d["kelurahan"]["code"] == KELURAHAN and d["dpt"] == 598 and d["number"] == 1
    [res] = d["results"]
    assert res["accepted"]["votes"] == {"2": 120, "3": 150}
    assert res["submissions"][0]["hash"] == receipt["hash"]
    assert res["submissions"][0]["actor_role"] == "officer"


def test_unknown_tps_is_404(client):
    assert client.get("/api/v1/tps/31.71.01.1001-999").json()["type"] == "/problems/unknown-tps"


def test_log_pages_in_order_and_chain(client, officer_token):
    for _ in range(3):
        submit(client, officer_token)
    head = client.get("/api/v1/log/head").json()
    entries, after = [], 0
    while True:
        page = client.get(f"/api/v1/log?after={after}&limit=2").json()
        entries += page["entries"]
        if page["next_after"] is None:
            break
        after = page["next_after"]
    assert [e["seq"] for e in entries] == list(range(1, head["seq"] + 1))
    assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(entries))
    assert entries[-1]["hash"] == head["hash"]


def test_log_limit_is_bounded(client):
    r = client.get("/api/v1/log?limit=100000")
    assert r.status_code == 422 and r.json()["field"] == "limit"


def test_public_gets_have_etag_and_answer_304(client):
    r = client.get(f"/api/v1/contests/{CONTEST}/totals/31")
    assert r.headers["etag"] and "public" in r.headers["cache-control"]
    again = client.get(f"/api/v1/contests/{CONTEST}/totals/31", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


def test_openapi_and_docs_are_served(client):
    spec = client.get("/openapi.json").json()
    assert "/api/v1/submissions" in spec["paths"] and "/api/v1/photos/{sha256}" in spec["paths"]
    assert client.get("/docs").status_code == 200


def test_problem_types_are_described(client):
    r = client.get("/problems/arithmetic-mismatch").json()
    assert r["status"] == 422 and r["title"]


def test_search_finds_regions_and_tps(client):
    names = [r["name"] for r in client.get("/api/v1/search?q=gambir").json()]
    assert "Gambir" in names
    codes = [r["code"] for r in client.get("/api/v1/search?q=31.71.01.1001-00").json()]
    assert TPS in codes


def test_public_log_carries_no_token_holder_name_or_secret(client, rekap):

    secret = rekap.tokens.create("Siti Aminah, KPPS 3", "officer", "test")[1]
    text = client.get("/api/v1/log?limit=1000").text
    assert "Siti Aminah" not in text and secret not in text
