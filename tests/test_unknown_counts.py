"""Counts a source did not give are unknown, not zero: not checked, not summed as zeros, shown as a dash."""

from conftest import CONTEST, clean_result


def token(rekap, role, scope="31"):
    return rekap.tokens.create(f"{role} test", role, scope)[1]


def post(client, secret, tps, result):
    body = {"tps": tps, "contest": CONTEST, "result": result}
    return client.post("/api/v1/submissions", json=body, headers={"Authorization": f"Bearer {secret}"})


def crowd(votes=(120, 150)):
    """What a crowd source digitises: the pairs' votes and the valid votes; nothing else."""
    return {"votes": {"2": votes[0], "3": votes[1]}, "valid": sum(votes)}


def test_a_crowd_result_trips_no_rule_on_counts_it_never_gave(rekap, client):
    volunteer = token(rekap, "volunteer")
    r = post(client, volunteer, "31.71.01.1001-004", crowd())
    assert r.status_code == 201 and r.json()["flagged"] is False
    tps = client.get("/api/v1/tps/31.71.01.1001-004").json()
    [contest] = tps["results"]
    assert contest["accepted"]["voters"] is None and contest["accepted"]["valid"] == 270
    assert "C1-CAPACITY" in contest["submissions"][0]["unchecked"]
    html = client.get("/tps/31.71.01.1001-004?lang=en").text
    assert "Not checked" in html and "—" in html


def test_totals_sum_the_known_counts_and_say_how_many_tps_gave_them(rekap, client, officer_token):
    volunteer = token(rekap, "volunteer")
    assert post(client, officer_token, "31.71.01.1001-001", clean_result()).status_code == 201
    assert post(client, volunteer, "31.71.01.1001-002", crowd((10, 20))).status_code == 201
    t = client.get(f"/api/v1/contests/{CONTEST}/totals/31").json()
    assert [v["votes"] for v in t["votes"]] == [130, 170]
    assert (t["valid"], t["invalid"], t["voters"]) == (300, 5, 275)
    assert t["covers"] == {"valid": 2, "invalid": 1, "voters": 1}
    only_crowd = client.get(f"/api/v1/contests/{CONTEST}/totals/31.71.01.1001").json()
    assert only_crowd["progress"]["tps_reported"] == 2
    rekap.rebuild()
    assert client.get(f"/api/v1/contests/{CONTEST}/totals/31").json()["covers"] == t["covers"]
    assert rekap.verify().ok


def test_a_count_no_tps_gave_is_null_not_zero(rekap, client):
    volunteer = token(rekap, "volunteer")
    assert post(client, volunteer, "31.71.01.1001-002", crowd()).status_code == 201
    t = client.get(f"/api/v1/contests/{CONTEST}/totals/31").json()
    assert (t["valid"], t["invalid"], t["voters"]) == (270, None, None)
    page = client.get(f"/c/{CONTEST}/r/31?lang=en")
    assert page.status_code == 200


def test_an_officer_gives_every_count(rekap, client, officer_token):
    r = post(client, officer_token, "31.71.01.1001-001", crowd())
    assert r.status_code == 422 and r.json()["field"].startswith("result.")


def test_a_tps_whose_dpt_is_unknown_is_checked_against_the_law_only(empty, tmp_path, client=None):
    from fastapi.testclient import TestClient

    from rekap.demo.simulate import DATA

    empty.imports.regions(DATA / "wilayah_dki.csv", "test")
    tps = tmp_path / "tps.csv"
    tps.write_text("kelurahan_code,tps_number,dpt_total\n31.71.01.1001,1,\n31.71.01.1001,2,300\n")
    empty.imports.tps(tps, "test")
    empty.imports.election(DATA / "pilkada_dki2017_r2.toml", "test")
    client = TestClient(empty.web_app())
    officer = token(empty, "officer")
    r = post(client, officer, "31.71.01.1001-001", clean_result(dpt=300))
    assert r.status_code == 201 and r.json()["findings"] == []
    huge = clean_result(dpt=300, votes=(700, 150))  # above the law's 800 + 2.5 % whatever the register says
    assert post(client, officer, "31.71.01.1001-001", huge).status_code == 422
    t = client.get(f"/api/v1/contests/{CONTEST}/totals/31").json()
    assert t["progress"]["dpt_total"] == 300
    assert "—" in client.get("/tps/31.71.01.1001-001").text
    assert empty.verify().ok
    empty.rebuild()
    assert empty.verify().ok
