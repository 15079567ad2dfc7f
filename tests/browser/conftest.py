"""Fixtures of the browser tests: one rekap server for the session and one headless Debian chromium."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from browser.live_server import serve
from browser.site import CHROMIUM_ARGS, Site, Tab, count_some, open_tab
from rekap.bootstrap import Rekap
from rekap.demo.run import demo_reporters, load_demo_data
from rekap.settings import Settings

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="package")  # torn down before other tests: playwright holds an event loop
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("browser"), simulated=True, argon2_memory_kib=1024)
    rekap = Rekap.open(replace(settings, photo_required_from=frozenset()))  # count_some sends numbers alone
    load_demo_data(rekap)
    who = demo_reporters(rekap)
    count_some(rekap, who)
    with serve(rekap.web_app()) as url:
        yield Site(url, rekap, who)
    rekap.close()


@pytest.fixture(scope="package")  # torn down before other tests: playwright holds an event loop
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        message = f"Debian chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("REKAP_REQUIRE_BROWSER"):  # CI installs it: there a missing browser is a failure
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def tab(browser: Browser) -> Iterator[Tab]:
    t = open_tab(browser)
    yield t
    t.page.close()
    assert t.errors == [], "console errors"
