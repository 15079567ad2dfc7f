"""An officer on a 360 px phone: activates with the code from the sheet, fills the C1 with a photo, sends it with
the network cut, and sees it accepted (and on the public TPS page) when the network returns; a cut answer is
retried without a second submission, and a proxy that refuses the photo with the result has them sent one by one;
the officer and then an operator correct it with a reason, and the public TPS page shows every step."""

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


def activate(page: Page, site: Site, code: str, tps: str) -> None:
    """The officer's first visit: the activation code, a PIN twice, then the TPS's form with its outbox."""
    page.goto(f"{site.url}/activate?code={code}")
    page.fill("#pin", "246810")
    page.fill("#pin2", "246810")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"**/report/{tps}")
    page.wait_for_selector("[data-outbox] li")


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

    activate(page, site, issued.code, TPS)

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
    sent: list[str] = []
    page.on("request", lambda r: sent.append(f"{r.method} {r.url}"))
    context.set_offline(False)
    for _ in range(200):  # the 'online' event sends it; its answer is cut, so it waits in the queue again
        if cut and page.locator('[data-outbox] li[data-status="queued"]').count():
            break
        page.wait_for_timeout(50)
    page.evaluate("window.dispatchEvent(new Event('online'))")  # the next try (the phone does it every 15 s)
    page.wait_for_selector('[data-outbox] li[data-status="accepted"]', timeout=15000)
    assert cut, "the first answer was cut"
    assert not [r for r in sent if "/api/v1/photos/" in r], "the photo went with the result, in the same request"
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


def test_a_proxy_that_refuses_the_photo_with_the_result_gets_them_one_by_one(
    site: Site, phone: tuple[BrowserContext, Page, list[str]], tmp_path: Path
) -> None:
    _, page, errors = phone
    state = site.rekap.writer.state
    TPS = next(t.code for t in sorted(state.tps.values(), key=lambda t: t.code)
               if t.kelurahan.startswith(KELURAHAN[:8]) and (t.code, CONTEST) not in state.accepted)  # fmt: skip
    _, _, issued = site.rekap.people.create(CLI, "Petugas Enam", "officer", TPS, phone="081200000006")
    assert issued is not None
    activate(page, site, issued.code, TPS)

    def too_large_at_the_proxy(route: Route) -> None:
        if "multipart/form-data" in (route.request.headers.get("content-type") or ""):
            route.fulfill(status=413, content_type="text/html", body="<h1>413 Request Entity Too Large</h1>")
            return
        route.continue_()

    page.route("**/api/v1/submissions", too_large_at_the_proxy)
    sent: list[tuple[str, str]] = []
    page.on("request", lambda r: sent.append((r.method, r.url.split("/api/v1/")[-1].split("/")[0])))
    fill(page, site.rekap.writer.state.tps[TPS].dpt, (100, 90))
    page.set_input_files("[data-photos]", str(c1_photo(tmp_path)))
    page.wait_for_selector("[data-thumbs] img")
    page.click("[data-review]")
    page.click("[data-send]")
    page.wait_for_selector('[data-outbox] li[data-status="accepted"]', timeout=15000)
    writes = [r for r in sent if r[0] in ("PUT", "POST")]
    assert writes == [("POST", "submissions"), ("PUT", "photos"), ("POST", "submissions")]  # refused, then one by one
    detail = site.rekap.tps.detail(TPS)
    submissions = [s for r in detail.results if r.contest == CONTEST for s in r.submissions]
    assert len(submissions) == 1 and submissions[0].photos and submissions[0].accepted
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


def _log_in(page: Page, url: str, username: str, next_path: str) -> None:
    page.goto(f"{url}/login?next={next_path}")
    page.fill("#username", username)
    page.fill("#password", "rahasia1")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"**{next_path}")


def test_an_officer_then_an_operator_correct_a_result_and_the_tps_page_shows_each_step(
    site: Site, browser: Browser, phone: tuple[BrowserContext, Page, list[str]], tmp_path: Path
) -> None:
    _, page, errors = phone
    state = site.rekap.writer.state
    TPS = next(t.code for t in sorted(state.tps.values(), key=lambda t: t.code)
               if t.kelurahan.startswith(KELURAHAN[:8]) and (t.code, CONTEST) not in state.accepted)  # fmt: skip
    kelurahan = TPS.split("-")[0]
    site.rekap.people.create(CLI, "Petugas Koreksi", "officer", TPS, username="kpps-koreksi", password="rahasia1")
    site.rekap.people.create(CLI, "Operator Koreksi", "operator", KELURAHAN[:8], username="op-koreksi",
                             password="rahasia1")  # fmt: skip
    dpt = state.tps[TPS].dpt
    form = page.locator(f'form[data-contest="{CONTEST}"]')

    _log_in(page, site.url, "kpps-koreksi", f"/report/{TPS}")
    page.wait_for_selector("[data-outbox] li")
    fill(page, dpt, (120, 95))
    page.set_input_files("[data-photos]", str(c1_photo(tmp_path)))
    page.wait_for_selector("[data-thumbs] img")
    page.click("[data-review]")
    page.click("[data-send]")
    page.wait_for_selector('[data-outbox] li[data-status="accepted"]')

    page.locator('[data-outbox] li[data-status="accepted"] button').click()  # "Koreksi" on the receipt
    assert form.locator('[name="votes.2"]').input_value() == "120"
    assert "#" in form.locator("[data-correcting]").inner_text()
    fill(page, dpt, (121, 95))
    page.click("[data-review]")
    error = form.locator("[data-form-error]")
    assert error.is_visible() and "alasan" in error.inner_text()  # no reason: not even queued
    form.locator('[name="reason"]').fill("salah baca suara paslon 2")
    page.click("[data-review]")
    assert "salah baca suara paslon 2" in form.locator("[data-review-rows]").inner_text()
    screenshot(page, "field-form-correction-360", tmp_path)
    page.click("[data-send]")
    page.wait_for_function("() => document.querySelectorAll('[data-outbox] li[data-status=accepted]').length == 2")
    assert form.locator('[name="corrects"]').input_value() == ""  # the next report is no correction

    desk = browser.new_context(viewport={"width": 360, "height": 740})
    op = desk.new_page()
    op.on("pageerror", lambda e: errors.append(str(e)))
    _log_in(op, site.url, "op-koreksi", "/console")
    assert op.locator("#h-correct").is_visible()
    op.goto(f"{site.url}/console/calls/{kelurahan}")
    op.locator("tr", has=op.locator(f'a[href="/tps/{TPS}"]')).locator("a.btn").click()
    op.wait_for_url(f"**/report/{TPS}")
    op.wait_for_selector("[data-outbox] li")
    op.locator(".counted").scroll_into_view_if_needed()
    screenshot(op, "field-form-counted-360", tmp_path)
    op.click("[data-correct-counted]")  # the result counted now: the officer's correction
    assert op.locator(f'form[data-contest="{CONTEST}"] [name="votes.2"]').input_value() == "121"
    fill(op, dpt, (122, 95))
    op.locator(f'form[data-contest="{CONTEST}"] [name="reason"]').fill("dicocokkan dengan foto C1 plano")
    op.click("[data-review]")
    op.click("[data-send]")
    op.wait_for_selector('[data-outbox] li[data-status="accepted"]')
    desk.close()

    history = [s for r in site.rekap.tps.detail(TPS).results if r.contest == CONTEST for s in r.submissions]
    assert [(s.result["votes"]["2"], s.reason, s.verified) for s in history] == [
        (120, None, False),
        (121, "salah baca suara paslon 2", False),
        (122, "dicocokkan dengan foto C1 plano", True),
    ]
    page.goto(f"{site.url}/tps/{TPS}")
    shown = page.locator(f"#history-{CONTEST}").inner_text()
    for text in ("Laporan pertama", "salah baca suara paslon 2", "Suara paslon 2: 120 → 121",
                 "dicocokkan dengan foto C1 plano", "Suara paslon 2: 121 → 122", "Koreksi operator", "peran: operator",
                 "peran: KPPS"):  # fmt: skip
        assert text in shown, text
    assert "Dikirim oleh Petugas KPPS" in page.locator(f"#photos-{CONTEST}").inner_text()
    page.locator(f"#history-{CONTEST}").scroll_into_view_if_needed()
    screenshot(page, "tps-corrections-360", tmp_path)
    assert errors == []
