"""The recap on the public pages: beside the real count at every tier, the plenaries' progress, the wall's slide,
downloads; and the lists of problem TPS below any region, sortable, filterable, downloadable."""

import csv
import io
import re

import pytest
from conftest import CONTEST
from recap_story import KECAMATAN, KEL_A, KEL_B, auth, cideng_recounted, recap_body

from rekap.bootstrap import Rekap
from rekap.domain.result import Result
from rekap.domain.submission import Submission


@pytest.fixture
def story(client, rekap):
    return cideng_recounted(client, rekap)


def test_the_region_page_shows_the_recap_beside_the_real_count(client, story):
    html = client.get(f"/c/{CONTEST}/r/{KECAMATAN}?lang=en").text
    assert 'data-recap-status="signed_off"' in html and "Cideng recounted" in html
    assert f'href="/c/{CONTEST}/r/{KEL_B}?lang=en#recap">Cideng</a> (+25)' in html
    assert html.count('class="differs"') == 3  # votes for 2, valid, voters
    assert 'data-recap-status="not_started"' in client.get(f"/c/{CONTEST}/r/{KEL_A}").text


def test_the_page_follows_a_late_c1(client, rekap, story):
    before = client.get(f"/c/{CONTEST}/r/{KECAMATAN}").text
    info, _ = rekap.tokens.create("KPPS", "officer", "test")
    tps = "31.71.01.1003-001"
    dpt = rekap.writer.state.tps[tps].dpt
    rekap.submissions.submit(
        info, Submission(tps, CONTEST, Result({2: 10, 3: 10}, 20, 0, 20, dpt - 20, 0, dpt, 0, 0, 20))
    )
    after = client.get(f"/c/{CONTEST}/r/{KECAMATAN}").text
    assert before != after and "31.71.01.1003" in after  # Kebon Kelapa now counts and is named as still counting


def test_progress_page_and_downloads(client, rekap, story):
    rekap.streams.set(KEL_B, "https://www.youtube.com/watch?v=abcdefghijk", "test")
    html = client.get(f"/c/{CONTEST}/r/{KECAMATAN}/recap?lang=en").text
    assert f'data-region="{KEL_B}"' in html and "entered" in html and "youtube.com" in html
    rows = list(csv.DictReader(io.StringIO(client.get(f"/c/{CONTEST}/r/{KECAMATAN}/recap.csv").text)))
    assert {r["code"]: r["status"] for r in rows}[KEL_B] == "entered" and len(rows) == 6
    data = client.get(f"/c/{CONTEST}/r/{KECAMATAN}/recap.json").json()
    assert data["recap"]["status"] == "signed_off" and len(data["children"]["lines"]) == 6
    assert client.get(f"/c/{CONTEST}/r/31.71/recap").status_code == 200


def test_the_wall_gets_a_recap_slide(client, story):
    html = client.get(f"/wall/{CONTEST}?regions={KECAMATAN}").text
    assert html.count('class="slide recap-slide"') == 1 and "0 dari 6 selesai" in html


def test_the_operator_page_is_a_form_without_inline_script(client, story):
    html = client.get(f"/c/{CONTEST}/r/{KECAMATAN}/recap/enter").text
    assert 'id="recap-form"' in html and "/static/recap.js" in html
    assert "<script>" not in html and " onclick=" not in html


def test_problem_lists_below_a_region(client, rekap, story):
    base = f"/c/{CONTEST}/r/{KECAMATAN}/problems"
    assert client.get(f"/c/{CONTEST}/r/{KECAMATAN}").text.count(f'href="{base}/') == 5
    missing = client.get(f"{base}/missing.json").json()
    assert missing["total"] == 117 - 28 and all(not r["tps"].startswith((KEL_A, KEL_B)) for r in missing["rows"])
    recap = client.get(f"{base}/recap.json").json()
    assert recap["total"] == 24 and {r["kelurahan"] for r in recap["rows"]} == {KEL_B}
    rows = client.get(f"{base}/recap.csv?sort=code&desc=true").text.splitlines()
    assert rows[1].startswith(f"{KEL_B}-024")
    assert client.get(f"{base}/missing.json?q=1006-02").json()["total"] == 9  # 020 … 028
    assert client.get(f"{base}/flagged").status_code == 200
    assert client.get(f"{base}/nope").status_code == 404


def test_the_kelurahan_tps_list_filters_by_status(client, rekap, story):
    info, _ = rekap.tokens.create("volunteer", "volunteer", "test")
    kel, tps = "31.71.01.1003", "31.71.01.1003-002"
    bad = Result({2: 10, 3: 10}, 25, 0, 20, 0, 0, 100, 0, 0, 20)  # valid does not add up: flagged, not refused
    rekap.submissions.submit(info, Submission(tps, CONTEST, bad))
    flagged = client.get(f"/c/{CONTEST}/r/{kel}/problems/flagged.json").json()
    assert [r["tps"] for r in flagged["rows"]] == [tps] and "C1-SUM" in flagged["rows"][0]["detail"]
    assert f"/tps/{tps}" in client.get(f"/c/{CONTEST}/r/{kel}/problems/flagged").text
    assert len(client.get(f"/c/{CONTEST}/r/{kel}/problems/missing.json").json()["rows"]) == 23


def _link_counts(html: str) -> dict[str, int]:
    return {k: int(n) for k, n in re.findall(r'data-kind="(\w+)">[^<]*\(<b data-count="(\d+)"', html)}


def test_every_problem_link_counts_what_its_list_holds(client, rekap, story, settings):
    """Beside each link its list's total: a held result is in (not missing), two witnesses disagreeing before any
    officer are a dispute, an operator's fix is a correction, the TPS of a differing kelurahan recap are listed."""
    kel = "31.71.01.1003"
    volunteer = rekap.tokens.create("relawan", "volunteer", "test")[1]
    held = {"votes": {"2": 5_000_200, "3": 150}, "valid": 5_000_350, "invalid": 5, "used": 5_000_355, "unused": 0,
            "damaged": 0, "dpt": 300, "dptb": 0, "dpk": 5_000_055, "voters": 5_000_355}  # fmt: skip
    submit = [(volunteer, f"{kel}-001", held, {})]
    for candidate, votes in ((2, 110), (3, 111)):  # two witnesses, no officer yet
        witness = rekap.tokens.create(f"saksi {candidate}", "witness", "test", candidate=candidate)[1]
        body = recap_body(client, KEL_A)["result"] | {"votes": {"2": votes, "3": 90}, "valid": votes + 90}
        submit.append((witness, f"{kel}-002", body | {"used": votes + 90, "voters": votes + 90}, {}))
    for secret, tps, result, extra in submit:
        r = client.post("/api/v1/submissions", json={"tps": tps, "contest": CONTEST, "result": result, **extra},
                        headers=auth(secret))  # fmt: skip
        assert r.status_code == 201, r.text
    operator = rekap.tokens.create("operator", "operator", "test")
    first = rekap.writer.state.accepted[(f"{KEL_A}-001", CONTEST)]  # the same figures, now vouched for
    rekap.submissions.submit(operator[0], Submission(f"{KEL_A}-001", CONTEST, first.result, corrects=first.seq,
                                                     reason="checked against the plano"))  # fmt: skip

    for region, expected in ((KECAMATAN, {"flagged": 1, "disputed": 1, "recap": 24, "corrected": 1}),
                             (kel, {"flagged": 1, "disputed": 1, "recap": 0, "corrected": 0})):  # fmt: skip
        shown = _link_counts(client.get(f"/c/{CONTEST}/r/{region}").text)
        totals = {k: client.get(f"/c/{CONTEST}/r/{region}/problems/{k}.json").json()["total"] for k in shown}
        assert set(shown) == {"flagged", "disputed", "recap", "missing", "corrected"}
        assert shown == totals, region
        assert {k: shown[k] for k in expected} == expected
    assert _link_counts(client.get(f"/c/{CONTEST}/r/{kel}").text)["missing"] == rekap.read_model.totals(
        kel, CONTEST).tps_total - 1  # fmt: skip
    rows = client.get(f"/c/{CONTEST}/r/{kel}/problems/disputed.json").json()["rows"]
    assert [(r["tps"], r["detail"]) for r in rows] == [(f"{kel}-002", "witness:2 ≠ witness:3")]
    again = Rekap.open(settings, create=False)  # another process: its read model loads them from the fold
    try:
        assert again.problems.counts(CONTEST, KECAMATAN) == rekap.problems.counts(CONTEST, KECAMATAN)
    finally:
        again.close()
