"""The voter register: imported whole or not at all, the NIK only as an HMAC under a key file, the DPT per TPS
it gives the capacity rules, and 'find my TPS' that tells nothing more than a voter's own TPS."""

from __future__ import annotations

import os
import stat

import pytest
from fastapi.testclient import TestClient
from info_data import CIDENG, VOTERS, register, tps_with_addresses

from rekap.domain.errors import ImportRejected, RateLimited
from rekap.domain.limits import Window
from rekap.domain.register import mask_name
from rekap.store import tables as t

NIK, NAME, _SEX, BIRTH, TPS = VOTERS[0]


@pytest.fixture
def registered(rekap, tmp_path):
    rekap.imports.tps(tps_with_addresses(tmp_path), "test")
    rekap.register.import_file(register(tmp_path), "DPT", "test")
    return rekap


def _table(rekap, table):
    with rekap.db.reader.connect() as conn:
        return [tuple(r) for r in conn.execute(table.select())]


def test_the_nik_is_kept_only_as_a_keyed_hash_and_its_last_four_digits(registered):
    rows = _table(registered, t.register_voters)
    assert len(rows) == 5
    text = repr(rows)
    assert all(nik not in text for nik, *_ in VOTERS)
    assert {r[2] for r in rows} == {nik[-4:] for nik, *_ in VOTERS}
    key = registered.settings.register_key
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    assert not str(key).startswith(str(registered.db.url))


def test_the_log_records_a_version_with_its_count_and_hash_and_the_dpt_it_gives(registered):
    entries = [e for e in registered.writer.state.register_versions]
    assert entries == [(1, "DPT", 5, entries[0][3])]
    tps = registered.writer.state.tps
    assert (tps[f"{CIDENG}-001"].dpt, tps[f"{CIDENG}-002"].dpt) == (2, 3)
    assert tps[f"{CIDENG}-003"].dpt == 0  # in the register's kelurahan, with no voter in it
    assert tps["31.71.01.1001-001"].dpt == 598  # a kelurahan the register does not cover keeps its DPT
    assert (tps[f"{CIDENG}-002"].dpt_male, tps[f"{CIDENG}-002"].dpt_female) == (2, 1)


def test_re_importing_the_same_register_changes_nothing(registered, tmp_path):
    seq = registered.writer.state.seq
    again = registered.register.import_file(register(tmp_path), "DPT", "test")
    assert again.unchanged and registered.writer.state.seq == seq
    assert len(_table(registered, t.register_voters)) == 5


def test_a_register_with_a_bad_row_imports_nothing_and_says_which_line(registered, tmp_path):
    seq = registered.writer.state.seq
    for row, message in [
        (("317101", "X", "L", "1990-01-01", TPS), "line 3: NIK must be 16 digits"),
        (("3171019999999999", "X", "Q", "1990-01-01", TPS), "line 3: sex"),
        (("3171019999999999", "X", "L", "1990-02-30", TPS), "line 3: birth_date"),
        (("3171019999999999", "X", "L", "1990-01-01", "31.71.01.1002-999"), "line 3: the TPS"),
        ((NIK, "Twice", "P", BIRTH, TPS), "line 3: this NIK appears twice"),
    ]:
        f = register(tmp_path, [VOTERS[0], row], name="bad.csv")
        with pytest.raises(ImportRejected, match=message) as err:
            registered.register.import_file(f, "DPT", "test")
        assert err.value.extra == {"line": 3}
        assert NIK not in str(err.value)
    assert registered.writer.state.seq == seq
    assert [v[0] for v in registered.register.versions()] == [1]
    assert len(_table(registered, t.register_voters)) == 5


def test_dps_to_dpt_counts_who_was_added_and_removed(rekap, tmp_path):
    rekap.register.import_file(register(tmp_path, VOTERS[:4], "dps.csv"), "DPS", "test")
    assert rekap.writer.state.tps[f"{CIDENG}-001"].dpt == 667  # a DPS sets no DPT
    out = rekap.register.import_file(register(tmp_path, VOTERS[1:], "dpt.csv"), "DPT", "test")
    assert (out.version, out.added, out.removed) == (2, 1, 1)
    assert [v[:5] for v in rekap.register.versions()] == [(1, "DPS", 4, 4, 0), (2, "DPT", 4, 1, 1)]
    assert len(_table(rekap, t.register_voters)) == 4  # only the current version's voters are kept


def test_register_statistics_by_sex_and_age_band(registered):
    stats = registered.register.stats("31.71.01", "2017-04-19")
    assert (stats.total, stats.by_sex) == (5, {"L": 3, "P": 2})
    bands = {"17-20": 1, "21-30": 0, "31-40": 1, "41-50": 1, "51-60": 1, "61+": 0, "<17": 1}
    assert stats.by_age == bands  # the one born in 2001 is not 17 on election day: counted apart
    assert registered.register.stats(CIDENG, "2017-04-19").total == 5
    assert registered.register.stats("31.74", "2017-04-19").total == 0


def test_register_stats_need_an_operator(registered, admin_token, officer_token):
    client = TestClient(registered.web_app())
    url = "/api/v1/admin/register/stats?region=31.71"
    assert client.get(url, headers={"Authorization": f"Bearer {officer_token}"}).status_code == 403
    assert client.get(url, headers={"Authorization": f"Bearer {admin_token}"}).json()["total"] == 5


def test_find_my_tps_answers_the_tps_and_a_masked_name_only(registered):
    client = TestClient(registered.web_app())
    r = client.post("/api/v1/find-my-tps", json={"nik": NIK, "birth_date": BIRTH})
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    body = r.json()
    assert body["masked_name"] == "S*** R***" == mask_name(NAME)
    assert (body["tps"]["code"], body["tps"]["address"]) == (TPS, "Jl. Cideng Barat No. 1 (simulasi)")
    assert NAME not in r.text and BIRTH not in r.text and NIK not in r.text
    by_name = client.post("/api/v1/find-my-tps", json={"nik": NIK, "name": "siti  RAHMAWATI"})
    assert by_name.json()["tps"]["code"] == TPS


def test_a_wrong_birth_date_and_an_unknown_nik_get_the_same_answer(registered):
    client = TestClient(registered.web_app())
    wrong = client.post("/api/v1/find-my-tps", json={"nik": NIK, "birth_date": "1980-01-02"})
    unknown = client.post("/api/v1/find-my-tps", json={"nik": "3171019999999999", "birth_date": BIRTH})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json()


def test_lookups_are_limited_per_address_and_per_nik(registered):
    now = [1000.0]
    finder = registered.finder
    finder.clock = lambda: now[0]
    finder.per_nik, finder.per_ip = Window(3, 600.0), Window(5, 60.0)
    for _ in range(3):
        assert finder.find(NIK, "10.0.0.1", "1970-01-01") is None
    with pytest.raises(RateLimited) as err:
        finder.find(NIK, "10.0.0.2", BIRTH)  # another address, the same NIK: still limited
    assert err.value.extra["retry_after"] == 601
    finder.find("3171019999999999", "10.0.0.1", BIRTH)
    finder.find("3171019999999998", "10.0.0.1", BIRTH)
    with pytest.raises(RateLimited):
        finder.find("3171019999999997", "10.0.0.1", BIRTH)  # the address has had its five
    now[0] += 601
    assert finder.find(NIK, "10.0.0.3", BIRTH).tps.code == TPS


def test_a_limited_lookup_is_a_429_with_a_clear_message(registered):
    registered.finder.per_nik = Window(1, 600.0)
    client = TestClient(registered.web_app())
    client.post("/api/v1/find-my-tps", json={"nik": NIK, "birth_date": BIRTH})
    r = client.post("/api/v1/find-my-tps", json={"nik": NIK, "birth_date": BIRTH})
    assert r.status_code == 429 and r.json()["type"] == "/problems/rate-limited"
    assert "try again in" in r.json()["detail"] and int(r.headers["retry-after"]) > 0
    page = client.post("/find", data={"nik": NIK, "birth_date": BIRTH})
    assert page.status_code == 429 and "Coba lagi dalam 10 menit" in page.text


def test_a_lookup_does_the_same_work_whether_or_not_the_nik_is_registered(registered, monkeypatch):
    from rekap.services import finder as module

    calls: list[str] = []
    for name in ("current_version", "voter"):
        real = getattr(module.stored, name)
        monkeypatch.setattr(module.stored, name, lambda *a, _r=real, _n=name: calls.append(_n) or _r(*a))
    real_tps = registered.directory.tps
    monkeypatch.setattr(registered.directory, "tps", lambda code: calls.append("tps") or real_tps(code))
    registered.finder.find(NIK, "10.1.0.1", BIRTH)
    hit = list(calls)
    calls.clear()
    registered.finder.find("3171019999999999", "10.1.0.2", BIRTH)
    assert calls == hit == ["current_version", "voter", "tps"]


def test_there_is_no_way_to_list_the_register(registered):
    client = TestClient(registered.web_app())
    paths = list(client.get("/openapi.json").json()["paths"])
    assert [p for p in paths if "register" in p] == ["/api/v1/admin/register/stats", "/api/v1/admin/register/versions"]
    assert client.get("/api/v1/find-my-tps").status_code == 405
    page = client.post("/find", data={"nik": NIK, "birth_date": BIRTH})
    assert page.status_code == 200 and "S*** R***" in page.text and NAME not in page.text
    assert client.post("/find", data={"nik": NIK, "birth_date": "1999-09-09"}).status_code == 404


def test_verify_and_rebuild_cover_the_new_entries(registered, tmp_path):
    from test_audit import table_rows

    registered.schedule.set("pilkada-dki-2017-r2", [{"id": "x", "name": "X", "start": "2017-04-19"}], "test")
    assert registered.verify().ok
    live = {tb.name: table_rows(registered, tb) for tb in t.PROJECTIONS}
    before = registered.writer.state
    registered.rebuild(parts=2)
    after = registered.writer.state
    assert {tb.name: table_rows(registered, tb) for tb in t.PROJECTIONS} == live
    assert (after.schedules, after.register_versions) == (before.schedules, before.register_versions)
    assert after.tps[TPS].dpt == 2
