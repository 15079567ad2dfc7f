"""Election information: the TPS directory and its map, search as citizens type it, the schedule, committees."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from info_data import CIDENG, PHONE, committees, tps_with_addresses, write_csv

from rekap.domain.errors import ImportRejected
from rekap.domain.schedule import Stage, current_stage
from rekap.services.regions import parse_tps_query
from rekap.services.search import Words, words

ELECTION = "pilkada-dki-2017-r2"


@pytest.fixture
def informed(rekap, tmp_path):
    rekap.imports.tps(tps_with_addresses(tmp_path), "test")
    rekap.committees.import_csv(committees(tmp_path), "test")
    return rekap


def test_search_finds_a_tps_by_number_and_kelurahan_and_names_where_it_is(informed):
    for q in ["TPS 7 Cideng", "cideng 7", "Cideng TPS 007", f"{CIDENG}-007"]:
        hits = informed.regions.search(q)
        assert hits[0].code == f"{CIDENG}-007", q
        assert hits[0].name == "TPS 007 Cideng"
        assert hits[0].parent.startswith("Gambir, Kota Administrasi Jakarta Pusat")
    kel = next(h for h in informed.regions.search("cideng") if h.kind == "region")
    assert (kel.code, kel.parent.split(",")[0]) == (CIDENG, "Gambir")


def test_search_finds_a_tps_by_address(informed):
    hits = informed.regions.search("tanah abang ii")
    assert [h.code for h in hits if h.kind == "tps"] == [f"{CIDENG}-002"]
    assert hits[0].address.startswith("Balai Warga")


def test_search_takes_the_beginnings_of_words_in_any_order_and_names_the_parent(informed):
    assert [h.code for h in informed.regions.search("barat cid") if h.kind == "tps"] == [f"{CIDENG}-001"]
    assert [h.code for h in informed.regions.search("TANAH aba") if h.kind == "tps"] == [f"{CIDENG}-002"]
    pusat = informed.regions.search("jakarta pus")[0]
    assert (pusat.code, pusat.parent) == ("31.71", "Daerah Khusus Ibukota Jakarta")
    # a kecamatan and one of its kelurahan share the name: the parent tells them apart, the higher tier first
    west = "Kota Administrasi Jakarta Barat, Daerah Khusus Ibukota Jakarta"
    jeruk = [(h.code, h.parent) for h in informed.regions.search("kebon jeruk")]
    assert jeruk[:2] == [("31.73.05", west), ("31.73.05.1001", f"Kebon Jeruk, {west}")]
    assert [h.code for h in informed.regions.search("31.71.01.1002-00")] == [f"{CIDENG}-00{n}" for n in range(1, 10)]
    assert [h.code for h in informed.regions.search("31.73.05")] == ["31.73.05"] + [
        f"31.73.05.100{n}" for n in range(1, 8)
    ]


def test_search_sees_an_import_made_after_it_was_last_asked(informed, tmp_path):
    assert informed.regions.search("flamboyan") == []
    write_csv(tmp_path / "more.csv", ["kelurahan_code", "tps_number", "dpt_total", "address"],
              [[CIDENG, 3, 400, "Gang Flamboyan 5"]])  # fmt: skip
    informed.imports.tps(tmp_path / "more.csv", "test")
    assert [h.code for h in informed.regions.search("flamboyan")] == [f"{CIDENG}-003"]
    assert [h.code for h in informed.regions.search("tps 3 cideng")][:1] == [f"{CIDENG}-003"]


def test_words_match_the_rarest_word_first_and_stop_at_the_limit():
    index = Words(["Jl. Cideng Barat 1", "Jl. Cideng Timur", None, "SDN Cideng 01", "Jl. Kebon Sirih"])
    assert index.matching(["jl", "cideng"], lambda i: index_texts[i], 10) == [0, 1]
    assert index.matching(["cid"], lambda i: index_texts[i], 2) == [0, 1]
    assert index.matching(["0"], lambda i: index_texts[i], 10) == [3]
    assert index.matching(["jl", "nowhere"], lambda i: index_texts[i], 10) == []
    assert words("Ma'arif, RT 03/RW_05") == ["ma", "arif", "rt", "03", "rw", "05"]


index_texts = ["Jl. Cideng Barat 1", "Jl. Cideng Timur", "", "SDN Cideng 01", "Jl. Kebon Sirih"]


def test_search_words_are_not_patterns(informed):
    assert informed.regions.search("100%") == []
    assert informed.regions.search("_ _") == []


def test_a_tps_query_needs_one_number_and_a_place():
    assert parse_tps_query("TPS 7 Cideng") == (7, "Cideng")
    assert parse_tps_query("cideng") is None
    assert parse_tps_query("7 8 cideng") is None


def test_the_directory_lists_every_tps_with_address_hours_access_and_the_map(informed):
    client = TestClient(informed.web_app())
    view = client.get(f"/api/v1/tps-directory/{CIDENG}").json()
    first = view["tps"][0]
    assert (first["number"], first["hours"], first["access"]) == (1, "07:00-13:00", "Akses kursi roda, lantai dasar")
    assert view["path"][-1]["name"] == "Gambir"
    html = client.get(f"/directory/{CIDENG}").text
    assert "Jl. Cideng Barat No. 1" in html and "Akses kursi roda" in html
    assert len(re.findall(r"<circle ", html)) == 3  # the TPS with coordinates, as points on the kelurahan
    assert 'href="/tps/31.71.01.1002-007"' in html
    csv_text = client.get("/directory/31.71.01.csv").text
    assert csv_text.splitlines()[0].startswith("tps_code,kelurahan_code,kelurahan,kecamatan")
    assert f"{CIDENG}-001,{CIDENG},Cideng,Gambir" in csv_text and "-6.175000,106.810000" in csv_text


def test_the_tps_page_shows_where_it_is_and_its_committee_without_contacts(informed):
    client = TestClient(informed.web_app())
    html = client.get(f"/tps/{CIDENG}-001").text
    assert "Jl. Cideng Barat No. 1" in html and "07:00-13:00" in html
    assert "Joko Susilo (simulasi)" in html and "Ratna Sari (simulasi)" in html and "Hendra Wijaya" in html
    assert PHONE not in html and "example.org" not in html
    info = client.get(f"/api/v1/tps/{CIDENG}-001/info").json()
    assert [m["position"] for m in info["committee"]][:2] == ["Ketua", "Ketua"]
    assert all(set(m) == {"body", "area", "position", "name"} for m in info["committee"])
    assert PHONE not in client.get("/committees.csv").text


def test_committee_contacts_are_for_operators_only(informed, admin_token, officer_token):
    client = TestClient(informed.web_app())
    url = "/api/v1/admin/committees.csv"
    assert client.get(url).status_code == 401
    assert client.get(url, headers={"Authorization": f"Bearer {officer_token}"}).status_code == 403
    internal = client.get(url, headers={"Authorization": f"Bearer {admin_token}"})
    assert internal.headers["cache-control"] == "no-store" and PHONE in internal.text
    assert internal.text.splitlines()[0] == "body,area,seat,position,name,phone,contact"


def test_bad_tps_hours_are_refused_by_line(rekap, tmp_path):
    bad = write_csv(tmp_path / "t.csv", ["kelurahan_code", "tps_number", "dpt_total", "hours"],
                    [[CIDENG, 1, 10, "07:00-13:00"], [CIDENG, 2, 10, "13:00-07:00"]])  # fmt: skip
    with pytest.raises(ImportRejected, match="line 3: hours"):
        rekap.imports.tps(bad, "test")


def test_committees_import_whole_or_nothing_and_the_same_list_twice_logs_once(rekap, tmp_path):
    seq = rekap.writer.state.seq
    entry = rekap.committees.import_csv(committees(tmp_path), "test")
    assert entry.kind == "committees.imported" and entry.payload["rows"] == 5
    assert set(entry.payload) == {"rows", "sha256"}  # no name, no phone in the log
    assert rekap.committees.import_csv(committees(tmp_path), "test") is None
    assert rekap.writer.state.seq == seq + 1
    bad = write_csv(tmp_path / "bad.csv", ["body", "area", "position", "name"],
                    [["pps", CIDENG, "Ketua", "A"], ["kpps", CIDENG, "Ketua", "B"]])  # fmt: skip
    with pytest.raises(ImportRejected, match=r"line 3: .* is not a known TPS") as err:
        rekap.committees.import_csv(bad, "test")
    assert err.value.extra == {"line": 3}
    assert len(rekap.committees.export_rows(internal=True)) == 5  # the earlier list is intact


def test_the_schedule_comes_with_the_election_and_the_home_page_shows_the_current_stage(rekap):
    stages = rekap.schedule.stages(ELECTION)
    assert stages[0].id == "penetapan-paslon" and stages[-1].id == "penetapan-terpilih"
    rekap.schedule.today = lambda: "2017-04-19"
    client = TestClient(rekap.web_app())
    html = client.get("/").text
    assert 'class="card stage-now"' in html and "Pemungutan dan penghitungan suara di TPS" in html
    sched = client.get(f"/api/v1/elections/{ELECTION}/schedule").json()
    assert (sched["current"], sched["next"]) == ("pemungutan-suara", "rekapitulasi")
    page = client.get("/schedule").text
    assert re.search(r'class="tahap now" aria-current="step"><b>Pemungutan', page)
    last = "penetapan-terpilih,Penetapan pasangan calon terpilih,2017-05-05,2017-05-05"
    assert last in client.get("/schedule.csv").text


def test_operators_set_the_schedule_and_others_may_not(client, rekap, admin_token, officer_token):
    body = [{"id": "hari-h", "name": "Pemungutan suara", "start": "2017-04-19"}]
    url = f"/api/v1/admin/elections/{ELECTION}/schedule"
    assert client.put(url, json=body, headers={"Authorization": f"Bearer {officer_token}"}).status_code == 403
    assert client.put(url, json=body).status_code == 401
    assert client.put(url, json=body, headers={"Authorization": f"Bearer {admin_token}"}).status_code == 204
    assert [s.id for s in rekap.schedule.stages(ELECTION)] == ["hari-h"]
    bad = [{"id": "x", "name": "X", "start": "2017-04-19", "end": "2017-04-18"}]
    r = client.put(url, json=bad, headers={"Authorization": f"Bearer {admin_token}"})
    assert r.status_code == 422 and r.json()["type"] == "/problems/import-rejected"


def test_a_schedule_csv_with_a_bad_date_names_its_line(rekap, tmp_path):
    f = write_csv(tmp_path / "s.csv", ["id", "name", "start", "end"],
                  [["a", "A", "2017-03-01", ""], ["b", "B", "2017-02-30", ""]])  # fmt: skip
    with pytest.raises(ImportRejected, match="line 3: start"):
        rekap.schedule.import_csv(f, ELECTION, "test")
    assert rekap.schedule.stages(ELECTION)[0].id == "penetapan-paslon"


def test_the_current_stage_is_the_latest_started_of_those_under_way():
    stages = [Stage("a", "A", "2017-03-07", "2017-04-15"), Stage("b", "B", "2017-04-12", "2017-04-12")]
    assert current_stage(stages, "2017-04-12").id == "b"
    assert current_stage(stages, "2017-04-13").id == "a"
    assert current_stage(stages, "2017-04-16") is None
