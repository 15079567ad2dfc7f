"""What the browser tests share: a site with all of DKI Jakarta and part of a simulated count, tabs, screenshots."""

from __future__ import annotations

import io
import os
import random
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from playwright.sync_api import Browser, Page

from rekap.bootstrap import Rekap
from rekap.demo.run import CONTEST
from rekap.demo.simulate import Reporters, Simulator, draw_result, official_shares
from rekap.domain.submission import Submission

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]  # fmt: skip
KELURAHAN = "31.71.01.1001"  # Gambir: four TPS, three of them in when the tests start
SHOTS = Path(os.environ["REKAP_SCREENSHOTS"]) if os.environ.get("REKAP_SCREENSHOTS") else None


@dataclass
class Site:
    url: str
    rekap: Rekap
    who: Reporters

    def report(self, tps_code: str, witness: int | None = None, extra: int = 0) -> None:
        """The TPS's officer (or a witness of a pair) reports a result, as the demo's simulator would."""
        tps = self.rekap.writer.state.tps[tps_code]
        result = draw_result(random.Random(tps_code), tps, official_shares()[tps_code[:5]], 0)
        if extra:  # a copy with more votes for pair 3 that still adds up
            more = {"votes": {2: result.votes[2], 3: result.votes[3] + extra}, "valid": result.valid + extra}
            more |= {"used": result.used + extra, "voters": result.voters + extra, "unused": result.unused - extra}
            result = result._replace(**more)
        who = self.who.witnesses[witness] if witness else self.who.officer
        self.rekap.submissions.submit(who, Submission(tps_code, CONTEST, result))


def count_some(rekap: Rekap, who: Reporters) -> None:
    state = rekap.writer.state
    sim = Simulator(rekap, state.contests[CONTEST], who, rate=0, seed=7)
    rng = random.Random(7)
    shares = official_shares()
    for tps in sorted(state.tps.values(), key=lambda t: t.code)[::23]:  # a spread over the whole city
        result = draw_result(rng, tps, shares[tps.code[:5]], sim.leans.get(tps.kelurahan[:8], 0))
        rekap.submissions.submit(who.officer, Submission(tps.code, CONTEST, result))
    for number in (1, 2, 3):  # Gambir's first three, with C1 photos; a witness disagrees at the second
        tps = state.tps[f"{KELURAHAN}-{number:03d}"]
        result = draw_result(rng, tps, shares["31.71"], 0)
        sha = sim.photo(tps, result, seed=number)
        sub = Submission(tps.code, CONTEST, result, (sha,))
        rekap.submissions.submit(who.officer, sub, idempotency_key=f"b-{number}")
        if number == 2:
            more = {"votes": {2: result.votes[2] + 7, 3: result.votes[3]}, "valid": result.valid + 7}
            more |= {"used": result.used + 7, "voters": result.voters + 7, "unused": result.unused - 7}
            rekap.submissions.submit(who.witnesses[2], Submission(tps.code, CONTEST, result._replace(**more)))
    rekap.streams.set("31.71.01", "https://www.youtube.com/watch?v=abcdefghijk", "test")


@dataclass
class Tab:
    page: Page
    errors: list[str]


def open_tab(browser: Browser, width: int = 1280, height: int = 900) -> Tab:
    page = browser.new_page(viewport={"width": width, "height": height})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return Tab(page, errors)


def screenshot(page: Page, name: str, tmp_dir: Path) -> Path:
    """A small PNG (palette colours) in REKAP_SCREENSHOTS, or the test's own directory."""
    out = (SHOTS or tmp_dir) / f"{name}.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(600)  # let the photo and the live status settle
    image = Image.open(io.BytesIO(page.screenshot(full_page=False)))
    image.convert("RGB").quantize(colors=192, method=Image.Quantize.MEDIANCUT).save(out, optimize=True)
    return out
