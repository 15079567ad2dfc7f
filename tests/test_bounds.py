"""A C1 may claim no more than its TPS can physically have: the register's DPT plus the ballot reserve, and the
law's maximum per TPS. Above that an officer is refused; any other source is logged, flagged and held out of
the totals until an operator confirms it."""

from conftest import CONTEST

from rekap.domain.rules import TpsFacts, check, reserve_of
from rekap.domain.tps import Tps, tps_code

GAMBIR_4 = "31.71.01.1001-004"  # DPT 493 in the register
KEBON_KELAPA_1 = "31.71.01.1002-001"  # DPT 667


def token(rekap, role, scope):
    return rekap.tokens.create(f"{role} test", role, scope)[1]


def post(client, secret, tps, result, **extra):
    body = {"tps": tps, "contest": CONTEST, "result": result, **extra}
    return client.post("/api/v1/submissions", json=body, headers={"Authorization": f"Bearer {secret}"})


def form(dpt, votes=(200, 150), invalid=5, dptb=0, dpk=0):
    valid = sum(votes)
    used = valid + invalid
    return {
        "votes": {"2": votes[0], "3": votes[1]},
        "valid": valid,
        "invalid": invalid,
        "used": used,
        "unused": max(0, dpt + 10 - used),
        "damaged": 0,
        "dpt": dpt,
        "dptb": dptb,
        "dpk": dpk,
        "voters": used,
    }


def inflated(dpt, extra, field):
    """The attack: `extra` voters claimed through DPK or DPTb, all of them for pair 2; the form adds up."""
    return form(dpt, votes=(200 + extra, 150), **{field: extra})


def totals(client, region="31"):
    return client.get(f"/api/v1/contests/{CONTEST}/totals/{region}").json()


def test_an_officer_cannot_claim_five_million_dpk_voters(rekap, client):
    officer = token(rekap, "officer", "31.71.01.1001")
    r = post(client, officer, GAMBIR_4, inflated(493, 5_000_000, "dpk"))
    assert r.status_code == 422
    problem = r.json()
    assert problem["type"] == "/problems/result-out-of-bounds"
    assert problem["field"] == "dpk"
    assert (problem["bound"], problem["value"]) == (493 + 13, 5_000_000)  # DPT + 2.5 % (rounded up) in 2017
    assert problem["findings"][0]["rule"] == "C1-BALLOTS"
    assert totals(client)["progress"]["tps_reported"] == 0
    assert rekap.writer.state.submission_count == 0


def test_an_officer_cannot_claim_nine_million_dptb_voters(rekap, client):
    officer = token(rekap, "officer", "31.71.01.1002")
    r = post(client, officer, KEBON_KELAPA_1, inflated(667, 9_000_000, "dptb"))
    assert r.status_code == 422
    assert (r.json()["field"], r.json()["value"]) == ("dptb", 9_000_000)


def test_a_volunteers_inflated_form_is_held_out_of_the_totals(rekap, client):
    volunteer = token(rekap, "volunteer", "31.71.01.1001")
    before = totals(client)
    r = post(client, volunteer, GAMBIR_4, inflated(493, 5_000_000, "dpk"))
    assert r.status_code == 201 and r.json()["flagged"] is True and r.json()["held"] is True
    assert any(f["severity"] == "bound" for f in r.json()["findings"])
    after = totals(client)
    assert after["votes"] == before["votes"]
    assert after["progress"]["tps_reported"] == 0 and after["held"] == 1
    assert rekap.verify().ok
    rekap.rebuild()
    assert totals(client)["votes"] == before["votes"]


def test_an_operator_confirms_a_held_result_and_it_counts(rekap, client):
    volunteer = token(rekap, "volunteer", "31.71.01.1001")
    operator = token(rekap, "operator", "31.71")
    # a real form above the ballots sent: ballots brought from the next TPS, say; the operator checked the photo
    seq = post(client, volunteer, GAMBIR_4, form(493, votes=(300, 190), invalid=20, dpk=30)).json()["seq"]
    assert totals(client)["held"] == 1
    refused = client.post(
        f"/api/v1/submissions/{seq}/confirm",
        json={"reason": "checked"},
        headers={"Authorization": f"Bearer {volunteer}"},
    )
    assert refused.status_code == 403
    r = client.post(
        f"/api/v1/submissions/{seq}/confirm",
        json={"reason": "ballots from TPS 005, see photo"},
        headers={"Authorization": f"Bearer {operator}"},
    )
    assert r.status_code == 201, r.text
    t = totals(client)
    assert t["held"] == 0 and t["progress"]["tps_reported"] == 1
    assert [v["votes"] for v in t["votes"]] == [300, 190]
    again = client.post(
        f"/api/v1/submissions/{seq}/confirm", json={"reason": "twice"}, headers={"Authorization": f"Bearer {operator}"}
    )
    assert again.status_code == 409
    assert rekap.verify().ok
    rekap.rebuild()
    assert totals(client)["progress"]["tps_reported"] == 1


def test_a_held_result_replaced_by_an_officers_counts_the_officers(rekap, client):
    volunteer = token(rekap, "volunteer", "31.71.01.1001")
    officer = token(rekap, "officer", "31.71.01.1001")
    post(client, volunteer, GAMBIR_4, inflated(493, 5_000_000, "dpk"))
    assert post(client, officer, GAMBIR_4, form(493)).status_code == 201
    t = totals(client)
    assert t["held"] == 0 and [v["votes"] for v in t["votes"]] == [200, 150]


def test_dptb_above_the_reserve_is_a_warning_not_a_hold(rekap, client):
    """DPTb voters may vote on the ballots of DPT voters who stayed home: a form with more DPTb than the reserve
    is flagged for a look at the photo, and counted."""
    officer = token(rekap, "officer", "31.71.01.1001")
    r = post(client, officer, GAMBIR_4, form(493, votes=(200, 150), dptb=40))
    assert r.status_code == 201
    assert [(f["rule"], f["severity"]) for f in r.json()["findings"]] == [("C1-DPTB-RESERVE", "warning")]
    assert totals(client)["held"] == 0 and totals(client)["progress"]["tps_reported"] == 1


def test_no_real_tps_of_pilkada_dki_2017_is_above_the_law():
    """The 13,023 TPS of the real register: each within the law's 800 voters, and KPU's reported ballots for the
    first round (DPT 7,108,589 + 186,134) are the 2.5 % reserve rounded up per TPS (184,030), not rounded down
    (171,321): the bound a form is held to is no tighter than the ballots the TPS really had."""
    import csv

    from rekap.demo.simulate import DATA

    with (DATA / "tps_round1.csv").open(encoding="utf-8") as f:
        dpt = [int(r["dpt_total"]) for r in csv.DictReader(f)]
    assert len(dpt) == 13_023 and max(dpt) <= 800
    reserve = sum(reserve_of(d, 25) for d in dpt)
    assert reserve == 184_030 and 7_294_723 - sum(dpt) - reserve < 2_200  # 186,134 sent beyond the DPT


def test_a_replay_of_every_real_tps_holds_none():
    """Every real TPS with a C1 drawn at its register's DPT: none held, none refused (the demo's replay)."""
    import csv
    import random

    from rekap.demo.simulate import DATA, draw_result, official_shares

    shares = official_shares()
    rng = random.Random(2017)
    with (DATA / "tps_round1.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            n = int(r["tps_number"])
            t = Tps(tps_code(r["kelurahan_code"], n), r["kelurahan_code"], n, int(r["dpt_total"]))
            result = draw_result(rng, t, shares[r["kabkota_code"]], 0)
            assert not [f for f in check(result, TpsFacts(t.dpt, 25, 800)) if f.severity != "warning"], t


def test_a_confirmed_held_result_counts_on_its_tps_page_at_once(rekap, client):
    volunteer = token(rekap, "volunteer", "31.71.01.1001")
    operator = token(rekap, "operator", "31.71")
    seq = post(client, volunteer, GAMBIR_4, form(493, votes=(300, 190), invalid=20, dpk=30)).json()["seq"]
    assert client.get(f"/api/v1/tps/{GAMBIR_4}").json()["results"][0]["accepted"]["held"] is True
    r = client.post(
        f"/api/v1/submissions/{seq}/confirm",
        json={"reason": "ballots from TPS 005, see photo"},
        headers={"Authorization": f"Bearer {operator}"},
    )
    assert r.status_code == 201, r.text
    assert client.get(f"/api/v1/tps/{GAMBIR_4}").json()["results"][0]["accepted"]["held"] is False
