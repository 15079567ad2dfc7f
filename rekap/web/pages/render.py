"""Rendering of the public pages: the Jinja environment, versioned static assets, the shared page context."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from weakref import WeakKeyDictionary

from fastapi import FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.types import Scope

from rekap.domain.status import STATUSES
from rekap.web.cache import Answer, AnswerCache
from rekap.web.deps import etagged
from rekap.web.pages import live
from rekap.web.pages.i18n import DEFAULT_LANG, LANGS, Locale
from rekap.web.pages.tps_view import source_label

HERE = Path(__file__).parent
PAGE_PARAMS = ("lang", "map", "q", "regions", "theme", "every", "i", "a", "b")
STATIC = HERE / "static"
# Content hashes in asset URLs let browsers and CDNs keep them for a year and still see every change.
ASSET_VERSIONS = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()[:10] for p in STATIC.iterdir() if p.is_file()}

env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,  # a misspelt name fails the tests instead of printing nothing
    trim_blocks=True,
    lstrip_blocks=True,
)
env.filters["ink"] = live.ink_on
env.filters["shade"] = live.mix_white


class VersionedStatic(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response


def mount_static(app: FastAPI) -> None:
    app.mount("/static", VersionedStatic(directory=STATIC), name="static")


def asset(name: str) -> str:
    return f"/static/{name}?v={ASSET_VERSIONS[name]}"


@dataclass(frozen=True)
class Crumb:
    name: str
    href: str


def page_query(request: Request) -> dict[str, str]:
    """The query parameters a page reads; anything else in a URL changes nothing, not even a link."""
    return {k: v for k, v in request.query_params.items() if k in PAGE_PARAMS}


def replace_query(request: Request, **params: object) -> str:
    """This page's URL with some query parameters set (None removes one)."""
    query = page_query(request)
    for k, v in params.items():
        if v is None:
            query.pop(k, None)
        else:
            query[k] = str(v)
    return request.url.path + (f"?{urlencode(query)}" if query else "")


_BINS = live.MARGIN_BINS
_MARGIN_LABELS = [f"< {_BINS[0]}", *(f"{a}–{b}" for a, b in pairwise(_BINS)), f"≥ {_BINS[-1]}"]
_PROGRESS_LABELS = ["0", "< 25", "< 50", "< 75", "< 100", "100 %"]


def _common(request: Request, loc: Locale, simulated: bool) -> dict[str, Any]:
    other = next(lang for lang in LANGS if lang != loc.lang)

    def events_url(topics: list[str]) -> str:
        return "/api/v1/events?" + urlencode([*(("topic", t) for t in topics), ("lang", loc.lang)])

    return {
        "loc": loc,
        "t": loc.t,
        "num": loc.num,
        "when": loc.when,
        "href": loc.href,
        "asset": asset,
        "simulated": simulated,
        "other_lang": other,
        "lang_url": replace_query(request, lang=None if other == DEFAULT_LANG else other),
        "map_href": lambda mode: replace_query(request, map=mode),
        "region_href": lambda code, contest_id: loc.href(f"/c/{contest_id}/r/{code}"),
        "source_name": lambda source: source_label(source, False, loc),
        "events_url": events_url,
        "js_messages": {k.removeprefix("js."): v for k, v in loc.messages.items() if k.startswith("js.")},
        "statuses": list(reversed(STATUSES)),
        "shades": live.SHADES,
        "margin_labels": _MARGIN_LABELS,
        "progress_colours": live.PROGRESS_COLOURS,
        "progress_labels": _PROGRESS_LABELS,
        "no_data": live.NO_DATA,
        "tie": live.TIE,
        "topics": [],
        "main_topic": None,
        "search_contest": None,
        "query": "",
        "day_span": lambda stage: _day_span(loc, stage.start, stage.end),
        "stage": None,
    }


def _day_span(loc: Locale, start: str, end: str) -> str:
    """"4 Mar 2017", or "5 Mar – 1 Apr 2017" for a stage of several days."""

    def day(d: str, year: bool = True) -> str:
        y, m, dd = d.split("-")
        return f"{int(dd)} {loc.t(f'month.{int(m)}')}" + (f" {y}" if year else "")

    return day(start) if start == end else f"{day(start, start[:4] != end[:4])} – {day(end)}"


def html(request: Request, loc: Locale, template: str, **context: Any) -> bytes:
    simulated = request.app.state.services.simulated
    return env.get_template(template).render({**_common(request, loc, simulated), **context}).encode()


def render(request: Request, loc: Locale, template: str, status: int = 200, **context: Any) -> Response:
    """A page with an ETag: the same for every anonymous reader of this URL."""
    body = html(request, loc, template, **context)
    if status != 200:
        headers = {"Cache-Control": "public, max-age=5"}
        return Response(body, status_code=status, media_type="text/html; charset=utf-8", headers=headers)
    return etagged(request, body, "text/html; charset=utf-8")


#: under heavy ingest a page is rebuilt at most this often: its numbers are then at most this old when it is
#: served, and its live updates (SSE) bring the reader up to date at once (a quiet instance answers exactly)
PAGE_MAX_STALE = 1.0


#: pages built at once by one process; beyond, a page that has a copy is given it (its live updates bring the reader
#: up to date) and one that has none waits for a slot: a read flood then gets what CPU building takes, never all of
#: it, and ingest's answers on the same event loop keep their share. One: a second build thread only shares the GIL
#: (under a 256-reader flood, 1 slot gave submissions an ack p99 of 329 ms against 644 ms with 2; BENCHMARKS.md)
MAX_BUILDS = 1


async def cached(
    request: Request, version: Hashable | None, build: Callable[[], bytes], busy: Callable[[], bool]
) -> bytes | Answer:
    """The answer for this URL built once per version of the data it shows (None: build it every time).

    A hit is answered on the event loop, with no hop to a thread (a crowd opening the home page is all hits);
    a page is built in the thread pool, so building it never holds up the loop's other readers and writers."""
    if version is None or getattr(request.state, "private", False):  # a logged-in page: never the public copy
        return await run_in_threadpool(build)
    key = ("page", request.url.path, tuple(sorted(page_query(request).items())))
    cache: AnswerCache = request.app.state.answers
    hit = cache.fresh(key, version, busy, PAGE_MAX_STALE)
    if hit is not None:
        return hit
    last = cache.peek(key, version, max_stale=float("inf"))
    building = _building.get(key)
    if building is not None:  # one build per page at a time: a crowd gets the last copy, or waits for this one
        return last if last is not None else await asyncio.shield(building)
    slots = _slots()
    if last is not None and slots.locked():
        return last
    building = _building[key] = asyncio.get_running_loop().create_future()
    try:
        async with slots:
            answer = cache.put(key, version, await run_in_threadpool(build), PAGE_MAX_STALE)
        building.set_result(answer)
        return answer
    except BaseException as err:
        building.set_exception(err)
        building.exception()  # retrieved here: a build nobody else waited for is no unhandled error
        raise
    finally:
        del _building[key]


#: the pages being built in this process, by cache key (a crowd opening one page must not build it 256 times)
_building: dict[Hashable, asyncio.Future[Answer]] = {}
_build_slots: WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = WeakKeyDictionary()


def _slots() -> asyncio.Semaphore:
    """The build slots of this event loop (a semaphore belongs to one loop; tests run several)."""
    loop = asyncio.get_running_loop()
    slots = _build_slots.get(loop)
    if slots is None:
        slots = _build_slots[loop] = asyncio.Semaphore(MAX_BUILDS)
    return slots
