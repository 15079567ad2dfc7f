"""An officer on a 360 px phone: activates with the code from the sheet, fills the C1 with a photo, sends it with
the network cut, and sees it accepted (and on the public TPS page) when the network returns; a cut answer is
retried without a second submission."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, Route

from browser.site import CONTEST, KELURAHAN, Site, screenshot
from rekap.services.people import CLI


@pytest.fixture
def phone(browser: Browser) -> Iterator[tuple[BrowserContext, Page, list[str]]]:
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=1)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield context, page, errors
    context.close()


def c1_photo(tmp_path: Path) -> Path:
    out = tmp_path / "c1.png"
    img = Image.new("RGB", (3000, 2000), "white")
    for x in range(0, 3000, 50):
        for y in range(0, 2000, 400):
            img.putpixel((x, y), (0, 0, 0))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    out.write_bytes(buf.getvalue())
    return out


def fill(page: Page, dpt: int, votes: tuple[int, int], invalid: int = 4, valid: int | None = None) -> None:
    valid = sum(votes) if valid is None else valid
    used = sum(votes) + invalid
    values = {"dpt": dpt, "dptb": 0, "dpk": 0, "voters": used, "used": used, "unused": dpt - used, "damaged": 0,
              "votes.2": votes[0], "votes.3": votes[1], "valid": valid, "invalid": invalid}  # fmt: skip
    form = page.locator(f'form[data-contest="{CONTEST}"]')
    for name, v in values.items():
        form.locator(f'[name="{name}"]').fill(str(v))


def test_an_officer_reports_offline_and_gets_a_receipt(
    site: Site, phone: tuple[BrowserContext, Page, list[str]], tmp_path: Path
) -> None:
    context, page, errors = phone
    state = site.rekap.writer.state
    TPS = next(t.code for t in sorted(state.tps.values(), key=lambda t: t.code, reverse=True)
               if t.kelurahan.startswith(KELURAHAN[:8]) and (t.code, CONTEST) not in state.accepted)  # fmt: skip
    _, _, issued = site.rekap.people.create(CLI, "Petugas Lima", "officer", TPS, phone="081200000005")
    assert issued is not None
    dpt = site.rekap.writer.state.tps[TPS].dpt

    page.goto(f"{site.url}/activate?code={issued.code}")
    page.fill("#pin", "246810")
    page.fill("#pin2", "246810")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"**/report/{TPS}")
    page.wait_for_selector("[data-outbox] li")

    fill(page, dpt, (120, 95), valid=210)  # the candidates' votes add up to 215
    finding = page.locator('[data-finding-for="valid"]')
    finding.wait_for(state="visible")
    assert "C1-SUM" in finding.inner_text() and "215" in finding.inner_text()
    screenshot(page, "field-form-finding-360", tmp_path)
    page.locator(f'form[data-contest="{CONTEST}"] [name="valid"]').fill("215")
    finding.wait_for(state="hidden")

    page.set_input_files("[data-photos]", str(c1_photo(tmp_path)))
    page.wait_for_selector("[data-thumbs] img")
    context.set_offline(True)
    page.click("[data-review]")
    page.wait_for_selector("[data-review-box]:not([hidden])")
    page.click("[data-send]")
    page.wait_for_selector('[data-outbox] li[data-status="queued"]')
    assert "off" in (page.locator("[data-net]").get_attribute("class") or "").split()
    page.locator("h1").scroll_into_view_if_needed()
    screenshot(page, "field-form-queued-360", tmp_path)
    page.reload()  # no network: the service worker serves the form, IndexedDB still holds the report
    page.wait_for_selector('[data-outbox] li[data-status="queued"]')
    assert page.locator(f'form[data-contest="{CONTEST}"]').count() == 1

    cut: list[str] = []

    def cut_first_answer(route: Route) -> None:
        if not cut:  # the server gets it and commits; the phone never hears back
            route.fetch()
            cut.append(route.request.url)
            route.abort("connectionreset")
            return
        route.continue_()

    page.route("**/api/v1/submissions", cut_first_answer)
    context.set_offline(False)
    for _ in range(200):  # the 'online' event sends it; its answer is cut, so it waits in the queue again
        if cut and page.locator('[data-outbox] li[data-status="queued"]').count():
            break
        page.wait_for_timeout(50)
    page.evaluate("window.dispatchEvent(new Event('online'))")  # the next try (the phone does it every 15 s)
    page.wait_for_selector('[data-outbox] li[data-status="accepted"]', timeout=15000)
    assert cut, "the first answer was cut"
    receipt = page.locator("[data-outbox] .receipt").first.inner_text()
    assert "#" in receipt
    page.wait_for_function("() => document.querySelector('[data-outbox] img.qr').naturalWidth > 0")  # its QR
    page.locator(".outbox").scroll_into_view_if_needed()
    screenshot(page, "field-form-accepted-360", tmp_path)

    detail = site.rekap.tps.detail(TPS)
    submissions = [s for r in detail.results if r.contest == CONTEST for s in r.submissions]
    assert len(submissions) == 1, "the retry after the cut did not log a second submission"
    assert submissions[0].photos and submissions[0].accepted

    page.goto(f"{site.url}/tps/{TPS}")
    assert "215" in page.locator(f"#numbers-{CONTEST}").inner_text()
    assert errors == []


def test_an_operator_imports_officers_and_prints_their_codes(
    site: Site, phone: tuple[BrowserContext, Page, list[str]], tmp_path: Path
) -> None:
    _, page, errors = phone
    site.rekap.people.create(CLI, "Operator Gambir", "operator", "31.71.01", username="op-gambir", password="rahasia1")
    state = site.rekap.writer.state
    free = [t.code for t in sorted(state.tps.values(), key=lambda t: t.code) if t.kelurahan.startswith("31.71.01.1002")]
    rows = [f"Petugas {n},08130000{n:04d},{code},officer" for n, code in enumerate(free[:6], 1)]
    sheet = tmp_path / "officers.csv"
    sheet.write_text("name,phone,tps,role\n" + "\n".join(rows) + "\n", encoding="utf-8")

    page.goto(f"{site.url}/login?next=/console")
    page.fill("#username", "op-gambir")
    page.fill("#password", "rahasia1")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/console")
    page.set_input_files("#csvfile", str(sheet))
    page.click("form[action$='/console/import'] button")
    page.wait_for_selector(".codecard")
    assert page.locator(".codecard").count() == 6
    assert page.locator(".codecard svg").count() == 6  # a QR each
    screenshot(page, "activation-sheet-360", tmp_path)
    page.goto(f"{site.url}/console")
    assert page.locator("table.people tbody tr").count() >= 6
    screenshot(page, "console-360", tmp_path)
    page.goto(f"{site.url}/console/calls/31.71.01.1002")
    assert page.locator("tr.missing").count() >= 6
    screenshot(page, "call-list-360", tmp_path)
    assert errors == []
