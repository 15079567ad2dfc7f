"""Find my TPS on a 360 px phone (found, not found, rate-limited) and the health coordinator's dashboard, where an
alert appears live when an officer passes the hours limit (the clock is the test's), and where an officer who logs in
on a phone, declares, starts duty and calls for help is seen at once."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import small_tps_file
from info_data import VOTERS, committees, register, tps_with_addresses
from playwright.sync_api import Browser, expect

from browser.live_server import serve
from browser.site import Tab, open_tab, screenshot
from rekap.bootstrap import Rekap
from rekap.demo.simulate import DATA
from rekap.domain.limits import Window
from rekap.services.people import CLI
from rekap.settings import Settings

pytestmark = pytest.mark.browser
NIK, NAME, _SEX, BIRTH, TPS = VOTERS[0]
HOUR = 3600


@dataclass
class InfoSite:
    url: str
    rekap: Rekap
    coordinator: str
    now: list[int]


@pytest.fixture(scope="module")
def info_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InfoSite]:
    tmp = tmp_path_factory.mktemp("info")
    rekap = Rekap.open(Settings(data_dir=tmp / "data", simulated=True))
    rekap.imports.regions(DATA / "wilayah_dki.csv", "test")
    rekap.imports.tps(small_tps_file(tmp), "test")
    rekap.imports.election(DATA / "pilkada_dki2017_r2.toml", "test")
    rekap.imports.tps(tps_with_addresses(tmp), "test")
    rekap.committees.import_csv(committees(tmp), "test")
    rekap.register.import_file(register(tmp), "DPT", "test")
    now = [1_700_000_000]
    rekap.health.clock = lambda: now[0]
    token = rekap.tokens.create("Koordinator kesehatan (simulasi)", "health", "test")[1]
    with serve(rekap.web_app()) as url:
        yield InfoSite(url, rekap, token, now)
    rekap.close()


@pytest.fixture
def phone(browser: Browser, info_site: InfoSite) -> Iterator[Tab]:
    info_site.rekap.finder.per_ip, info_site.rekap.finder.per_nik = Window(20, 60.0), Window(5, 600.0)
    t = open_tab(browser, width=360, height=780)
    yield t
    t.page.close()
    assert [e for e in t.errors if "429" not in e and "404" not in e] == [], "console errors"


def _ask(tab: Tab, url: str, nik: str, birth: str) -> None:
    page = tab.page
    page.goto(url + "/find")
    page.fill("#nik", nik)
    page.fill("#birth_date", birth)
    page.get_by_role("button", name="Cari TPS").click()


def test_a_voter_finds_their_tps_its_address_and_map_on_a_phone(info_site: InfoSite, phone: Tab, tmp_path: Path):
    _ask(phone, info_site.url, NIK, BIRTH)
    page = phone.page
    expect(page.locator(".found")).to_contain_text("S*** R***")
    expect(page.locator(".found h2")).to_have_text("TPS 001 Cideng")
    expect(page.locator(".tps-info")).to_contain_text("Jl. Cideng Barat No. 1")
    expect(page.locator("svg.pins circle.here")).to_be_visible()
    expect(page.locator(".committee")).to_contain_text("Joko Susilo (simulasi)")
    assert NAME not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing wider than the phone
    screenshot(page, "find-my-tps-360", tmp_path)


def test_a_wrong_birth_date_is_not_found(info_site: InfoSite, phone: Tab):
    _ask(phone, info_site.url, NIK, "1980-12-31")
    expect(phone.page.locator(".notice")).to_contain_text("Data tidak ditemukan")
    expect(phone.page.locator("#nik")).to_be_visible()  # the form again, to try once more


def test_too_many_lookups_are_refused_with_a_clear_message(info_site: InfoSite, phone: Tab, tmp_path: Path):
    info_site.rekap.finder.per_ip = Window(2, 600.0)
    for birth in ("1980-12-30", "1980-12-29"):
        _ask(phone, info_site.url, NIK, birth)
    _ask(phone, info_site.url, NIK, BIRTH)  # the right answer, but too late
    expect(phone.page.locator(".notice")).to_contain_text("Terlalu banyak pencarian")
    expect(phone.page.locator(".notice")).to_contain_text("menit")
    screenshot(phone.page, "find-my-tps-limited-360", tmp_path)


def test_the_coordinator_sees_an_alert_appear_when_an_officer_passes_the_hours_limit(
    info_site: InfoSite, browser: Browser, tmp_path: Path
):
    health = info_site.rekap.health
    health.check_in("kpps-cideng-001-1", TPS, "start")
    info_site.now[0] += 6 * HOUR
    health.check_in("kpps-cideng-001-2", TPS, "start", ["pusing"])  # six hours later: not yet at the limit
    tab = open_tab(browser, width=360, height=780)
    page = tab.page
    page.goto(info_site.url + "/health")
    page.fill("#htoken", info_site.coordinator)
    page.get_by_role("button", name="Buka dasbor").click()
    expect(page.locator(".alert[data-kind='symptoms']")).to_be_visible()
    expect(page.locator("[data-health-login]")).to_be_hidden()
    expect(page.locator(".alert[data-kind='hours']")).to_have_count(0)
    page.evaluate("window.stillHere = true")
    info_site.now[0] += 6 * HOUR + 60
    assert health.sweep()
    alert = page.locator(".alert[data-kind='hours']")
    expect(alert).to_be_visible()  # heard over the event stream, no reload
    expect(alert).to_contain_text("kpps-cideng-001-1")
    assert page.evaluate("window.stillHere") is True
    expect(page.locator("tr.over").first).to_contain_text("12 j")
    screenshot(page, "health-dashboard-360", tmp_path)
    alert.get_by_role("button", name="Tanggapi").click()
    expect(page.locator(".alert.acknowledged[data-kind='hours']")).to_be_visible()
    page.close()
    assert tab.errors == []


def test_a_token_without_the_health_permission_sees_nothing(info_site: InfoSite, browser: Browser):
    officer = info_site.rekap.tokens.create("KPPS (simulasi)", "officer", "test")[1]
    tab = open_tab(browser, width=360, height=780)
    tab.page.goto(info_site.url + "/health")
    tab.page.fill("#htoken", officer)
    tab.page.get_by_role("button", name="Buka dasbor").click()
    expect(tab.page.locator("[data-health-login] .notice")).to_contain_text("tidak berhak")
    expect(tab.page.locator("[data-health]")).to_be_hidden()
    tab.page.close()


def test_an_officer_declares_starts_duty_and_calls_for_help_and_the_coordinator_sees_it_live(
    info_site: InfoSite, browser: Browser, tmp_path: Path
):
    rekap = info_site.rekap
    rekap.people.create(CLI, "Sri Wahyuni (simulasi)", "officer", TPS, username="sri", phone="081299990001",
                        password="rahasia1")  # fmt: skip
    board = open_tab(browser, width=360, height=780).page
    board.goto(info_site.url + "/health")
    board.fill("#htoken", info_site.coordinator)
    board.get_by_role("button", name="Buka dasbor").click()
    expect(board.locator("[data-health-login]")).to_be_hidden()

    context = browser.new_context(viewport={"width": 360, "height": 780}, permissions=["geolocation"],
                                  geolocation={"latitude": -6.175, "longitude": 106.81})  # fmt: skip
    phone = context.new_page()
    errors: list[str] = []
    phone.on("pageerror", lambda e: errors.append(str(e)))
    phone.goto(info_site.url + "/login")
    phone.fill("#username", "sri")
    phone.fill("#password", "rahasia1")
    phone.click("main form button[type=submit]")
    phone.wait_for_url(f"**/report/{TPS}")
    phone.get_by_role("link", name="Tugas & kesehatan").click()
    phone.wait_for_url(f"**/report/{TPS}/duty")
    phone.fill("#age", "61")
    phone.get_by_label("Tekanan darah tinggi (hipertensi)").check()
    phone.get_by_label("4 · baik").check()
    phone.get_by_role("button", name="Kirim pernyataan").click()
    expect(phone.locator("[data-declared]")).to_contain_text("umur 61")
    phone.get_by_role("button", name="Mulai tugas").click()
    expect(phone.locator("[data-state-text]")).to_have_text("Sedang bertugas")

    me = board.locator("tr[data-duty='on']", has_text="Sri Wahyuni (simulasi)")
    expect(me).to_be_visible()  # heard over the event stream
    expect(me).to_contain_text("sedang bertugas")
    info_site.now[0] += 3 * HOUR + 20 * 60  # the test's clock: three hours and twenty minutes on duty
    phone.reload()
    expect(phone.locator("[data-hours='duty']")).to_have_text("3 j 20 mnt")
    risk = board.locator(".alert[data-kind='risk']", has_text="Sri Wahyuni")
    expect(risk).to_contain_text("umur 60+, kondisi: hipertensi")  # said in words, not the declaration's codes

    phone.get_by_role("button", name="Saya butuh bantuan").click()
    expect(phone.locator("[data-help-state]")).to_contain_text("belum ditanggapi")
    help_alert = board.locator(".alert[data-kind='help']", has_text="Sri Wahyuni")
    expect(help_alert).to_contain_text(f"TPS {TPS}")
    expect(help_alert).to_contain_text("-6.175000, 106.810000")  # where the phone was
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "duty-360", tmp_path)

    context.set_offline(True)
    phone.get_by_role("button", name="Istirahat").click()
    expect(phone.locator("[data-sendstate]")).to_contain_text("Tidak terkirim")
    context.set_offline(False)
    phone.get_by_role("button", name="Kirim ulang").click()
    expect(phone.locator("[data-state-text]")).to_have_text("Sedang istirahat")
    expect(board.locator("tr[data-duty='break']", has_text="Sri Wahyuni")).to_be_visible()
    screenshot(board, "health-dashboard-duty-360", tmp_path)
    assert errors == []
    context.close()
    board.close()
