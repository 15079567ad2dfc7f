"""The dashboard in a real browser: drill down to a C1 photo, live updates, language, search, wall, screenshots."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from browser.live_server import serve
from browser.site import CONTEST, KELURAHAN, Site, Tab, open_tab, screenshot

pytestmark = pytest.mark.browser


def test_drill_down_from_the_province_to_a_tps_and_its_photo(site: Site, tab: Tab):
    page = tab.page
    page.goto(site.url + "/")
    page.locator('svg.map a[href$="/r/31.71"]').click()  # the map drills down too
    expect(page.locator("h1")).to_have_text("Kota Administrasi Jakarta Pusat")
    page.locator("table a", has_text="Gambir").click()
    expect(page.locator("h1")).to_have_text("Gambir")
    page.locator(f'table a[href$="/r/{KELURAHAN}"]').click()
    expect(page.locator(".st[data-s='disputed']").first).to_be_visible()
    page.get_by_role("link", name="TPS 002").click()
    image = page.locator(".viewer img").first
    expect(image).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    assert re.fullmatch(r"[0-9a-f]{64}", page.locator(".viewer .hash").first.inner_text())
    expect(page.locator(".compare tr.differs").first).to_be_visible()  # the witness disagrees
    page.locator(".stage").first.focus()
    page.keyboard.press("+")
    assert "scale(1.5)" in image.get_attribute("style")


def test_a_new_result_appears_on_an_open_page_without_reload(site: Site, tab: Tab):
    page = tab.page
    page.goto(f"{site.url}/c/{CONTEST}/r/{KELURAHAN}")
    expect(page.locator("[data-live-status]")).to_have_attribute("data-state", "on")
    page.evaluate("window.stillHere = true")
    row = page.locator(f'[data-live~="{KELURAHAN}-004|st"]')
    expect(row).to_have_text("Belum masuk")
    site.report(f"{KELURAHAN}-004")
    expect(row).to_have_text("Masuk", timeout=3000)
    expect(page.locator(f'[data-live~="{KELURAHAN}|tin"]')).to_have_text("4")
    assert page.evaluate("window.stillHere") is True


def test_a_tps_page_shows_a_new_report_without_reload(site: Site, tab: Tab):
    page = tab.page
    page.goto(f"{site.url}/tps/{KELURAHAN}-003")
    expect(page.locator("[data-live-status]")).to_have_attribute("data-state", "on")
    page.evaluate("window.stillHere = true")
    expect(page.locator(".history > li")).to_have_count(1)
    page.locator(".stage").first.focus()
    page.keyboard.press("+")
    site.report(f"{KELURAHAN}-003", witness=3, extra=9)  # a witness's copy that disagrees
    expect(page.locator(".history > li")).to_have_count(2, timeout=3000)
    expect(page.locator(".compare tr.differs").first).to_be_visible()
    expect(page.locator(".st[data-s='disputed']").first).to_be_visible()
    assert page.evaluate("window.stillHere") is True
    assert "scale(1.5)" in page.locator(".viewer img").first.get_attribute("style")  # the same photo stays zoomed


def test_switching_language_and_searching_as_you_type(site: Site, tab: Tab):
    page = tab.page
    page.goto(f"{site.url}/c/{CONTEST}/r/31.71.01")
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".pagehead .badge")).to_have_text("Provisional")
    assert "lang=en" in page.url
    page.locator("#q").fill("cempaka")
    suggestion = page.locator("#suggest a").first
    expect(suggestion).to_be_visible()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert "cempaka" in page.locator("h1").inner_text().lower()


def test_pages_work_without_javascript(site: Site, browser: Browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{site.url}/c/{CONTEST}/r/31.71")
    page.get_by_role("link", name="Kemajuan").click()  # the map's second mode is a plain link
    expect(page.locator("figure[data-map]")).to_have_attribute("data-mode", "prog")
    page.locator("#q").fill("31.71.01.1001-001")
    page.keyboard.press("Enter")
    page.get_by_role("link", name="TPS 001 Gambir").click()  # a TPS hit reads as people say it
    expect(page.locator(".viewer img")).to_be_visible()
    expect(page.locator("[data-live-status]")).to_be_hidden()
    context.close()


def test_connection_lost_is_shown_and_the_page_reconnects(site: Site, browser: Browser):
    tab = open_tab(browser)
    with serve(site.rekap.web_app()) as url:
        tab.page.goto(f"{url}/c/{CONTEST}/r/31.71")
        status = tab.page.locator("[data-live-status]")
        expect(status).to_have_attribute("data-state", "on")
        port = int(url.rsplit(":", 1)[1])
    expect(status).to_have_attribute("data-state", "lost", timeout=5000)
    expect(status).to_have_text(re.compile("Terputus"))
    expect(tab.page.locator("body")).to_have_attribute("data-stale", "")  # the numbers say they are not live
    with serve(site.rekap.web_app(), port=port):
        expect(status).to_have_attribute("data-state", "on", timeout=8000)
        expect(tab.page.locator("body")).not_to_have_attribute("data-stale", "")
    tab.page.close()


def test_wall_mode_fills_one_screen_and_rotates(site: Site, browser: Browser, tmp_path):
    tab = open_tab(browser, 1920, 1080)
    page = tab.page
    page.goto(f"{site.url}/wall/{CONTEST}?regions=31,31.71&theme=dark&every=60")
    expect(page.locator("[data-live-status]")).to_have_attribute("data-state", "on")
    assert page.evaluate("document.documentElement.scrollHeight <= innerHeight")
    expect(page.locator(".slide:not([hidden]) h1")).to_have_text("Daerah Khusus Ibukota Jakarta")
    screenshot(page, "wall-dark-1920", tmp_path)
    page.keyboard.press("ArrowRight")
    expect(page.locator(".slide:not([hidden]) h1")).to_have_text("Kota Administrasi Jakarta Pusat")
    assert page.evaluate("document.documentElement.scrollHeight <= innerHeight")
    page.close()
    assert tab.errors == []


@pytest.mark.parametrize(("name", "path", "width", "height"), [
    ("overview-360", "/", 360, 800),
    ("overview-1920", "/", 1920, 1080),
    ("kecamatan-1920", f"/c/{CONTEST}/r/31.71.01?lang=en", 1920, 1080),
    ("kelurahan-360", f"/c/{CONTEST}/r/{KELURAHAN}", 360, 800),
    ("tps-360", f"/tps/{KELURAHAN}-002", 360, 800),
    ("tps-1920", f"/tps/{KELURAHAN}-002", 1920, 1080),
])  # fmt: skip
def test_main_pages_on_a_phone_and_a_desktop(site: Site, browser: Browser, tmp_path, name, path, width, height):
    tab = open_tab(browser, width, height)
    tab.page.goto(site.url + path)
    expect(tab.page.locator(".sim")).to_be_visible()  # a simulated count says so
    assert tab.page.evaluate("document.documentElement.scrollWidth <= innerWidth"), "no sideways scrolling"
    assert screenshot(tab.page, name, tmp_path).stat().st_size < 400_000
    tab.page.close()
    assert tab.errors == []
