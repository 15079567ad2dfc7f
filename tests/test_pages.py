"""The public pages: overview at every tier, kelurahan TPS list, TPS page, search, wall, downloads, languages."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import re
from dataclasses import replace

from conftest import CONTEST, KELURAHAN, TPS
from PIL import Image

from rekap.domain.result import Result
from rekap.domain.status import STATUSES, status_of
from rekap.domain.submission import Submission
from rekap.services.views import CandidateView, CandidateVotes, ContestView
from rekap.web.pages import live, views
from rekap.web.pages.i18n import css_pct, locale
from rekap.web.pages.recap_view import recap_live
from rekap.web.pages.render import STATIC

TPS2, TPS3, TPS4 = (f"{KELURAHAN}-00{n}" for n in (2, 3, 4))


def reporter(rekap, role="officer", candidate=None, name="Budi Santoso"):
    return rekap.tokens.create(name, role, "test", "31", candidate)[0]


def result(rekap, tps, votes=(120, 150), invalid=5, **changes) -> Result:
    dpt = rekap.writer.state.tps[tps].dpt
    valid = sum(votes)
    r = Result(
        {2: votes[0], 3: votes[1]},
        valid,
        invalid,
        valid + invalid,
        dpt - valid - invalid,
        0,
        dpt,
        0,
        0,
        valid + invalid,
    )
    return r._replace(**changes)


def submit(rekap, who, tps, votes=(120, 150), photo=None, corrects=None, reason=None, **changes):
    report = Submission(tps, CONTEST, result(rekap, tps, votes, **changes), (photo,) if photo else (), corrects, reason)
    return rekap.submissions.submit(who, report)


def photo(rekap, seed=0) -> str:
    out = io.BytesIO()
    Image.new("RGB", (60, 80), (seed, 200, 100)).save(out, "JPEG")
    data = out.getvalue()
    sha = hashlib.sha256(data).hexdigest()
    rekap.photos.put(sha, data, "image/jpeg", "test")
    return sha


def night(rekap):
    """Gambir's four TPS with four statuses: in, flagged, corrected, disputed; the rest of the city not in."""
    officer, operator = reporter(rekap), reporter(rekap, "operator")
    first = submit(rekap, officer, TPS, photo=photo(rekap))
    submit(rekap, reporter(rekap, "volunteer"), TPS2, valid=271)  # does not add up: stored and flagged
    misread = submit(rekap, officer, TPS3, votes=(100, 150))
    submit(rekap, operator, TPS3, votes=(110, 150), corrects=misread.seq, reason="angka salah baca")
    submit(rekap, officer, TPS4)
    witness = submit(rekap, reporter(rekap, "witness", 3), TPS4, votes=(120, 157))
    return first, witness


def page(client, url):
    r = client.get(url)
    assert r.status_code == 200, r.text[:500]
    assert r.headers["content-type"].startswith("text/html")
    return r.text


def test_home_is_the_contest_overview_with_links_down(client, rekap):
    night(rekap)
    html = page(client, "/")
    assert "Daerah Khusus Ibukota Jakarta" in html and "Basuki Tjahaja Purnama" in html
    t = client.get(f"/api/v1/contests/{CONTEST}/totals/31").json()
    assert locale("id").pct(t["votes"][0]["votes"], t["valid"]) in html and "Sementara" in html
    for child in ("31.01", "31.71"):
        assert f'href="/c/{CONTEST}/r/{child}"' in html
    assert 'class="map"' in html and html.count("<path") == 6


def test_language_is_in_the_url_with_its_own_number_format(client, rekap):
    night(rekap)
    t = client.get(f"/api/v1/contests/{CONTEST}/totals/31.71").json()
    two = t["votes"][0]["votes"]
    id_html, en_html = page(client, f"/c/{CONTEST}/r/31.71"), page(client, f"/c/{CONTEST}/r/31.71?lang=en")
    assert '<html lang="id">' in id_html and '<html lang="en">' in en_html
    assert locale("id").pct(two, t["valid"]) in id_html and locale("en").pct(two, t["valid"]) in en_html
    assert "Provisional" in en_html and "Sementara" not in en_html
    assert f'href="/c/{CONTEST}/r/31.71.01?lang=en"' in en_html
    assert f'href="/c/{CONTEST}/r/31.71?lang=en"' in id_html  # the switch keeps the page
    assert locale("id").num(3240987) == "3.240.987" and locale("en").num(3240987) == "3,240,987"


def test_every_page_is_cacheable_and_the_same_for_everyone(client, rekap):
    night(rekap)
    urls = [
        "/",
        f"/c/{CONTEST}",
        f"/c/{CONTEST}/r/31.71.01",
        f"/c/{CONTEST}/r/{KELURAHAN}",
        f"/tps/{TPS}",
        "/search?q=gambir",
        f"/wall/{CONTEST}",
        "/wall",
        f"/c/{CONTEST}/r/31.csv",
        f"/c/{CONTEST}/r/31.json",
        f"/tps/{TPS}.csv",
        f"/tps/{TPS}.json",
    ]
    for url in urls:
        for lang in ("", "lang=en"):
            full = url + ("&" if "?" in url else "?") + lang if lang else url
            first, again = client.get(full), client.get(full)
            assert first.status_code == 200, full
            assert first.headers["cache-control"].startswith("public, max-age=")
            assert "set-cookie" not in first.headers
            assert first.content == again.content and first.headers["etag"] == again.headers["etag"]
            assert client.get(full, headers={"If-None-Match": first.headers["etag"]}).status_code == 304


def test_kelurahan_lists_each_tps_with_its_status(client, rekap):
    night(rekap)
    rows = {r.code: r for r in rekap.tps.kelurahan(CONTEST, KELURAHAN)}
    assert [rows[c].status for c in (TPS, TPS2, TPS3, TPS4)] == ["in", "flagged", "corrected", "disputed"]
    assert {r.status for r in rekap.tps.kelurahan(CONTEST, "31.71.01.1002")} == {"not_in"}
    assert rows[TPS3].votes == {2: 110, 3: 150}
    html = page(client, f"/c/{CONTEST}/r/{KELURAHAN}")
    shown = dict(re.findall(r'data-s="(\w+)" data-live="([^|]+)\|st ', html))
    assert {v: k for k, v in shown.items()}[TPS4] == "disputed"
    assert f'href="/tps/{TPS}"' in html and "Beda sumber" in html and 'class="map"' not in html


def test_tps_page_has_photo_history_disagreement_and_hashes(client, rekap):
    first, witness = night(rekap)
    sha = photo(rekap)
    html = page(client, f"/tps/{TPS}")
    assert sha in html and f"/api/v1/photos/{sha}?size=view" in html
    assert first.hash in html and "Petugas KPPS" in html and "Budi Santoso" not in html  # roles, never names
    html = page(client, f"/tps/{TPS4}?lang=en")
    assert witness.hash in html and "Witness of pair 3" in html and "≠" in html and "Disputed" in html
    html = page(client, f"/tps/{TPS3}")
    assert "mengoreksi entri" in html and "angka salah baca" in html and "Suara paslon 2: 100 → 110" in html


def test_each_c1_photo_is_labelled_by_who_sent_it_the_officers_beside_the_witnesses(client, rekap):
    officer_photo, witness_photo, volunteer_photo = (photo(rekap, seed) for seed in (1, 2, 3))
    first = submit(rekap, reporter(rekap), TPS, photo=officer_photo)
    submit(rekap, reporter(rekap, "witness", 3), TPS, votes=(120, 157), photo=witness_photo)
    rekap.submissions.report_photos(reporter(rekap, "volunteer"), TPS, CONTEST, (volunteer_photo,))
    submit(
        rekap,
        reporter(rekap, "operator"),
        TPS,
        votes=(121, 150),
        photo=officer_photo,
        corrects=first.seq,
        reason="salah baca",
    )  # the same photo again: shown once, under who sent it first

    def groups(html):
        card = html.split(f'id="photos-{CONTEST}"', 1)[1].split('id="compare-', 1)[0]
        out = []
        for part in card.split('<section class="photo-group">')[1:]:
            sender = re.search(r'<h4 class="sender">([^<]+)</h4>', part).group(1)
            captions = re.findall(r'<b class="sent-by">([^<]+)</b>(.*?)<code class="hash">(\w+)</code>', part)
            out.append((sender, [(who, sha, "belum diketik" in rest) for who, rest, sha in captions]))
        return out

    assert groups(page(client, f"/tps/{TPS}")) == [
        ("Dikirim oleh Petugas KPPS", [("Petugas KPPS · Koreksi operator (terverifikasi)", officer_photo, False)]),
        ("Dikirim oleh Saksi paslon 3", [("Saksi paslon 3", witness_photo, False)]),
        ("Dikirim oleh Relawan", [("Relawan", volunteer_photo, True)]),
    ]
    assert [g for g, _ in groups(page(client, f"/tps/{TPS}?lang=en"))] == [
        "Sent by KPPS officer",
        "Sent by Witness of pair 3",
        "Sent by Volunteer",
    ]


def test_downloads_hold_the_tables_the_pages_show(client, rekap):
    night(rekap)
    rows = list(csv.DictReader(io.StringIO(client.get(f"/c/{CONTEST}/r/31.csv").text)))
    assert [r["code"] for r in rows] == ["31", "31.01", "31.71", "31.72", "31.73", "31.74", "31.75"]
    assert int(rows[0]["tps_reported"]) == 4 and rows[0]["votes_2"] == str(120 + 120 + 110 + 120)
    tps_rows = client.get(f"/c/{CONTEST}/r/{KELURAHAN}.json").json()["rows"]
    assert {r["tps"]: r["status"] for r in tps_rows}[TPS3] == "corrected"
    history = list(csv.DictReader(io.StringIO(client.get(f"/tps/{TPS3}.csv").text)))
    assert [(h["votes_2"], h["corrects"]) for h in history] == [("100", ""), ("110", history[0]["seq"])]


def test_a_dead_link_gets_a_page_in_the_readers_language(client):
    r = client.get(f"/c/{CONTEST}/r/31.99?lang=en")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "Page not found" in r.text
    assert client.get("/tps/31.71.01.1001-999").status_code == 404


def test_a_simulated_count_says_so_on_every_page(rekap):
    from fastapi.testclient import TestClient

    from rekap.bootstrap import Rekap

    demo = Rekap(replace(rekap.settings, simulated=True), rekap.db)  # the same database, served as a demo
    client = TestClient(demo.web_app())
    for url in ["/", f"/c/{CONTEST}/r/{KELURAHAN}", f"/tps/{TPS}", "/search?q=gam", f"/wall/{CONTEST}?theme=light"]:
        assert "SIMULASI" in page(client, url)
        assert "SIMULATED" in page(client, url + ("&" if "?" in url else "?") + "lang=en")


def test_live_markers_are_values_the_events_send(client, rekap):
    night(rekap)
    for code in ("31", "31.71.01", KELURAHAN):
        html = page(client, f"/c/{CONTEST}/r/{code}")
        values = live.region_live(rekap.web_services(), CONTEST, code, locale("id"))
        values |= recap_live(rekap.web_services(), CONTEST, code)  # the page's second topic
        keys = {k for attr in re.findall(r'data-live="([^"]+)"', html) for k in attr.split()}
        assert keys and keys <= values.keys()
        assert f'data-swap="{values[code + "|recap@data-swap"]}"' in html
        for key in keys - {k for k in keys if "@" in k}:
            assert re.search(rf'data-live="[^"]*{re.escape(key)}[^"]*"[^>]*>{re.escape(values[key])}<', html), key


def test_search_finds_regions_by_name_and_tps_by_code(client):
    html = page(client, "/search?q=gambir")
    assert f'href="/c/{CONTEST}/r/31.71.01"' in html and f'href="/c/{CONTEST}/r/{KELURAHAN}"' in html
    assert f'href="/tps/{TPS}?lang=en"' in page(client, f"/search?q={TPS}&lang=en")


def test_wall_rotates_through_the_chosen_regions(client):
    html = page(client, f"/wall/{CONTEST}?regions=31,31.71.01&theme=light&every=20")
    assert 'class="wallpage light"' in html and html.count('class="slide"') == 2
    assert re.search(r'class="slide"[^>]*hidden', html) and 'data-every="20"' in html
    assert 'content="20;url=/wall/' in html and "i=1" in html  # rotates without JavaScript too
    assert page(client, f"/wall/{CONTEST}?regions=31.71.01&i=5").count('class="slide"') == 1
    assert client.get(f"/wall/{CONTEST}?regions=31;drop").status_code == 422


def test_recap_plenary_stream_is_linked_from_its_region(client, rekap):
    rekap.streams.set("31.71", "https://www.youtube.com/watch?v=abcdefghijk", "test")
    html = page(client, f"/c/{CONTEST}/r/31.71")
    assert 'href="https://www.youtube.com/watch?v=abcdefghijk"' in html
    assert 'data-embed="https://www.youtube-nocookie.com/embed/abcdefghijk"' in html
    assert "LIVE" in page(client, f"/c/{CONTEST}/r/31")  # the parent's table marks the child on air


def test_map_modes_and_degrading_to_the_table(client):
    assert 'data-mode="prog"' in page(client, f"/c/{CONTEST}/r/31.71?map=prog")
    assert 'class="map"' in page(client, f"/c/{CONTEST}/r/31.71.01")  # kelurahan shapes
    assert client.get(f"/c/{CONTEST}/r/31?map=pie").status_code == 422


def test_page_weight_stays_under_60_kb_gzipped(client, rekap):
    night(rekap)
    assets = sum(len(gzip.compress((STATIC / n).read_bytes())) for n in ("rekap.css", "rekap.js", "favicon.svg"))
    for url in ["/", f"/c/{CONTEST}/r/31.71.01", f"/c/{CONTEST}/r/{KELURAHAN}", f"/tps/{TPS}", f"/wall/{CONTEST}"]:
        assert len(gzip.compress(client.get(url).content)) + assets <= 60_000, url


def test_catalogues_have_the_same_keys_and_every_key_the_pages_use():
    ids, ens = locale("id").messages, locale("en").messages
    assert ids.keys() == ens.keys()
    templates = (STATIC.parent / "templates").glob("*.html")
    used = {k for p in templates for k in re.findall(r"\bt\('([\w.-]+)'", p.read_text()) if not k.endswith(".")}
    assert used and used <= ids.keys()
    for status in STATUSES:
        assert f"status.{status}" in ids
    assert json.loads(json.dumps({k: v for k, v in ids.items() if k.startswith("js.")}))


def test_percentages_come_from_ints_rounded_half_up():
    loc = locale("id")
    assert loc.pct(1, 3) == "33,33" and loc.pct(2, 3) == "66,67" and loc.pct(1, 8) == "12,50"
    assert loc.pct(1, 80000) == "0,00" and loc.pct(1, 20000) == "0,01"  # 0.005 % rounds up
    assert loc.pct(5, 0) == "0,00" and locale("en").pct(123456, 1000) == "12,345.60"
    assert css_pct(1, 3) == "33.33%"


def test_leader_margin_and_colours():
    votes = [CandidateVotes(number=n, votes=v) for n, v in ((2, 40), (3, 60))]
    assert live.lead_of(votes) == live.Lead(3, 20)
    assert live.lead_of([replace_votes(v, 50) for v in votes]) == live.Lead(None, 0)  # a tie leads no one
    contest = ContestView(
        id="c",
        election="e",
        election_name="",
        name="",
        scope="31",
        candidates=[
            CandidateView(number=1, names=["a"], color="red;background:url(x)"),
            CandidateView(number=2, names=["b"], color="#1F5FA8"),
        ],
    )
    assert live.colours(contest) == {1: live.FALLBACK_COLOURS[0], 2: "#1F5FA8"}
    assert live.mix_white("#1f5fa8", 100) == "#1f5fa8" and live.mix_white("#000000", 50) == "#808080"


def replace_votes(v, n):
    return replace(v, votes=n)


def test_status_precedence():
    assert status_of(False, True, True, True) == "not_in"
    assert status_of(True, True, True, True) == "disputed"
    assert status_of(True, False, True, True) == "flagged"
    assert status_of(True, False, False, True) == "corrected"
    assert status_of(True, False, False, False) == "in"


def test_stream_links_get_a_player_only_from_a_known_service():
    assert views.stream_of("https://youtu.be/abcdefghijk").embed == "https://www.youtube-nocookie.com/embed/abcdefghijk"
    assert views.stream_of("https://www.youtube.com/live/abcdefghijk").embed.endswith("/abcdefghijk")
    assert views.stream_of("https://example.org/plenary").embed is None
    assert views.stream_of("") is None


SECOND_ELECTION = """
[election]
id = "uji-2017"
name = "Pemilihan uji"
date = "2017-04-19"

[[contests]]
id = "walikota-uji"
name = "Wali Kota Jakarta Pusat (uji)"
scope = "31.71"
candidates = [{number = 1, names = ["Satu"]}, {number = 2, names = ["Dua"]}, {number = 3, names = ["Tiga"]}]
"""


def test_several_contests_get_a_chooser_and_share_the_tps_page(client, rekap, tmp_path):
    definition = tmp_path / "uji.toml"
    definition.write_text(SECOND_ELECTION)
    rekap.imports.election(definition, "test")
    html = page(client, "/")
    assert 'href="/c/gubernur-dki-2017-r2/r/31"' in html and 'href="/c/walikota-uji/r/31.71"' in html
    assert html.count('class="card contest-card"') == 2
    assert page(client, "/tps/31.01.01.1001-001").count('class="contest"') == 1  # outside the city's scope
    assert page(client, f"/tps/{TPS}").count('class="contest"') == 2
    assert page(client, "/wall").count('class="slide"') == 2
    palette = live.colours(rekap.contests.get("walikota-uji"))
    assert f"--c:{palette[3]}" in page(client, "/c/walikota-uji/r/31.71.01")


def test_a_kept_page_is_never_older_than_the_count(client, rekap):
    url = f"/c/{CONTEST}/r/{KELURAHAN}"
    assert 'data-s="not_in" data-live="' + TPS in page(client, url)
    assert page(client, url) == page(client, url + "?utm_source=x")  # unknown parameters: the same page
    submit(rekap, reporter(rekap), TPS)
    assert 'data-s="in" data-live="' + TPS in page(client, url)
    rekap.streams.set(KELURAHAN, "https://example.org/pleno", "test")
    assert 'href="https://example.org/pleno"' in page(client, url)
