"""KPU vs real count: two sources side by side per TPS and per tier, with the TPS that differ listed and
downloadable."""

from conftest import CONTEST, clean_result
from sqlalchemy import event


def test_an_official_import_against_the_real_count(rekap, client, officer_token, tmp_path):
    tps = ["31.71.01.1001-001", "31.71.01.1001-002", "31.71.01.1002-001"]
    for code in tps:
        body = {"tps": code, "contest": CONTEST, "result": clean_result()}
        assert client.post("/api/v1/submissions", json=body,
                           headers={"Authorization": f"Bearer {officer_token}"}).status_code == 201  # fmt: skip
    path = tmp_path / "kpu.csv"
    rows = [f"{code},{CONTEST},{120 + (5 if i == 1 else 0)},150" for i, code in enumerate(tps)]
    path.write_text("tps,contest,votes_2,votes_3\n" + "\n".join(rows) + "\n")
    rekap.result_imports.results(path, "kpu", "test")

    r = client.get(f"/api/v1/contests/{CONTEST}/compare/31.71.01", params={"a": "import:kpu", "b": "accepted"})
    assert r.status_code == 200, r.text
    view = r.json()
    assert view["total"]["a"]["votes"] == {"2": 365, "3": 450} and view["total"]["b"]["votes"] == {"2": 360, "3": 450}
    assert view["total"]["differing"] == 1
    by_child = {u["region"]["code"]: u["differing"] for u in view["children"]}
    assert by_child["31.71.01.1001"] == 1 and by_child["31.71.01.1002"] == 0
    [d] = view["differences"]
    assert d["tps"] == "31.71.01.1001-002" and d["fields"] == ["votes.2"]
    assert set(view["sources"]) >= {"import:kpu", "officer", "accepted"}

    csv = client.get(f"/api/v1/contests/{CONTEST}/compare/31.71.01.csv", params={"a": "import:kpu"}).text
    assert "31.71.01.1001-002,votes.2,125,120" in csv

    page = client.get(f"/c/{CONTEST}/r/31.71.01/compare?lang=en")
    assert page.status_code == 200
    assert "Data import (kpu) vs Real count (accepted)" in page.text and "31.71.01.1001-002" in page.text


def test_an_unknown_source_is_a_clear_error(rekap, client):
    r = client.get(f"/api/v1/contests/{CONTEST}/compare/31", params={"a": "import:nobody"})
    assert r.status_code == 422 and r.json()["field"] == "a"


def _statements(engine):
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda _c, _cur, sql, *_a: seen.append(sql))
    return seen


def test_the_comparison_is_read_once_and_again_only_when_an_entry_touches_its_tps(rekap, client, officer_token,
                                                                                 tmp_path):  # fmt: skip
    """A crowd on one comparison costs the store nothing; a new figure below the region is seen at once, even one
    that changes no total (an import beside an officer's result it already disagrees with)."""
    code = "31.71.01.1001-001"
    client.post("/api/v1/submissions", json={"tps": code, "contest": CONTEST, "result": clean_result()},
                headers={"Authorization": f"Bearer {officer_token}"})  # fmt: skip

    def kpu(votes: int) -> None:
        path = tmp_path / f"kpu-{votes}.csv"
        path.write_text(f"tps,contest,votes_2,votes_3\n{code},{CONTEST},{votes},150\n")
        rekap.result_imports.results(path, "kpu", "test")

    kpu(125)
    api = f"/api/v1/contests/{CONTEST}/compare/31.71.01?a=import:kpu"
    first, page = client.get(api).json(), client.get(f"/c/{CONTEST}/r/31.71.01/compare").text
    seen = _statements(rekap.db.reader)
    assert client.get(api).json() == first and client.get(f"/c/{CONTEST}/r/31.71.01/compare").text == page
    assert not [s for s in seen if "submissions" in s or "accepted" in s]

    last_seq = client.get(f"/api/v1/contests/{CONTEST}/totals/31.71.01").json()["last_seq"]
    kpu(127)
    assert client.get(f"/api/v1/contests/{CONTEST}/totals/31.71.01").json()["last_seq"] == last_seq
    [d] = client.get(api).json()["differences"]
    assert d["a"]["votes.2"] == 127 and d["b"]["votes.2"] == 120
    assert ">127<" in client.get(f"/c/{CONTEST}/r/31.71.01/compare?a=import:kpu").text  # the page is built anew too
    assert client.get(f"/api/v1/contests/{CONTEST}/compare/31.71.02?a=import:kpu").status_code == 422
