"""Public HTML pages (server-rendered, work without JavaScript) and the CSV/JSON of the tables they show."""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from rekap.domain.errors import InvalidInput, NotFound
from rekap.services.views import json_of
from rekap.web.cache import Answer
from rekap.web.deps import Services, ServicesDep, etagged
from rekap.web.pages import downloads, info, views
from rekap.web.pages.i18n import DEFAULT_LANG, Locale, locale
from rekap.web.pages.recap_view import fingerprint, recap_parts, recap_topic
from rekap.web.pages.render import Crumb, cached, html, mount_static, render, replace_query
from rekap.web.pages.tps_view import tps_page

__all__ = ["mount_static", "router"]

router = APIRouter(include_in_schema=False)
_REGION_LIST = re.compile(r"^(ID|\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?)$")


def get_locale(lang: Annotated[str | None, Query(max_length=5)] = None) -> Locale:
    return locale(lang)


LocaleDep = Annotated[Locale, Depends(get_locale)]
MapMode = Annotated[str, Query(alias="map", pattern="^(lead|prog)$")]


def pages_not_found(fn: Callable[..., Awaitable[Response]]) -> Callable[..., Awaitable[Response]]:
    """A reader who follows a dead link gets a page in their language, not problem+json."""

    @functools.wraps(fn)
    async def wrapper(**kwargs: Any) -> Response:
        try:
            return await fn(**kwargs)
        except NotFound as err:
            return render(kwargs["request"], kwargs["loc"], "notfound.html", status=404, detail=err.detail)

    return wrapper


async def _region(request: Request, svc: Services, loc: Locale, contest_id: str, code: str, map_mode: str) -> Response:
    def build() -> bytes:
        page = views.region_page(svc, contest_id, code, loc)
        parts = recap_parts(page, loc)
        return html(
            request,
            loc,
            "region.html",
            page=page,
            topics=[page.topic, parts["recap_topic"]] if page.recap else [page.topic],
            main_topic=page.topic,
            search_contest=contest_id,
            crumb_links=[Crumb(r.name, loc.href(f"/c/{contest_id}/r/{r.code}")) for r in page.crumbs],
            download_base=f"/c/{contest_id}/r/{code}",
            wall_href=loc.href(f"/wall/{contest_id}", regions=code),
            map_mode=map_mode,
            problem_counts=svc.problems.counts(contest_id, code) if svc.problems else {},
            stage=info.stage_now(svc) if code == page.contest.scope else None,
            **parts,
        )

    version = svc.real_count.region_version(code, contest_id)
    today = svc.schedule.today() if svc.schedule else ""  # the current stage changes at midnight
    body = await cached(request, (version, today), build, svc.real_count.busy)
    return etagged(request, body, "text/html; charset=utf-8")


@router.get("/")
@pages_not_found
async def index(request: Request, svc: ServicesDep, loc: LocaleDep, map_mode: MapMode = "lead") -> Response:
    contests = svc.contests.all()
    if len(contests) == 1:
        return await _region(request, svc, loc, contests[0].id, contests[0].scope, map_mode)
    def page() -> Response:
        pages = [views.region_page(svc, c.id, c.scope, loc) for c in contests]
        search_contest = contests[0].id if contests else None
        return render(
            request, loc, "index.html", pages=pages, topics=[p.topic for p in pages], search_contest=search_contest,
            stage=info.stage_now(svc),
        )  # fmt: skip

    return await run_in_threadpool(page)


@router.get("/c/{contest_id}")
@pages_not_found
async def contest_page(
    request: Request, contest_id: str, svc: ServicesDep, loc: LocaleDep, map_mode: MapMode = "lead"
) -> Response:
    return await _region(request, svc, loc, contest_id, svc.contests.get(contest_id).scope, map_mode)


def _csv(request: Request, body: bytes | Answer, filename: str) -> Response:
    disposition = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return etagged(request, body, "text/csv; charset=utf-8", extra_headers=disposition)


# The downloads come first: "{region_code}" alone would also match "31.71.csv".
@router.get("/c/{contest_id}/r/{region_code}.csv")
async def region_csv(request: Request, contest_id: str, region_code: str, svc: ServicesDep, loc: LocaleDep) -> Response:
    def build() -> bytes:
        return downloads.as_csv(downloads.region_table(views.region_page(svc, contest_id, region_code, loc)))

    body = await cached(request, svc.real_count.region_version(region_code, contest_id), build, svc.real_count.busy)
    return _csv(request, body, f"rekap-{contest_id}-{region_code}.csv")  # fmt: skip


@router.get("/c/{contest_id}/r/{region_code}.json")
async def region_json(
    request: Request, contest_id: str, region_code: str, svc: ServicesDep, loc: LocaleDep
) -> Response:
    def build() -> bytes:
        page = views.region_page(svc, contest_id, region_code, loc)
        about = {
            "contest": contest_id,
            "region": region_code,
            "name": page.region.name,
            "provisional": True,
            "simulated": svc.simulated,
            "last_seq": page.totals.last_seq,
        }
        return downloads.as_json(downloads.region_table(page), about)

    body = await cached(request, svc.real_count.region_version(region_code, contest_id), build, svc.real_count.busy)
    return etagged(request, body, "application/json")


@router.get("/c/{contest_id}/r/{region_code}/compare")
@pages_not_found
async def compare(
    request: Request, contest_id: str, region_code: str, svc: ServicesDep, loc: LocaleDep, a: str = "", b: str = ""
) -> Response:
    """Two sources side by side (default: the first import against the real count), built once per version of
    what it compares."""
    assert svc.compare is not None, "built by rekap/bootstrap.py"
    version = svc.compare.version(contest_id, region_code)
    body = await cached(request, version, lambda: _compare(request, contest_id, region_code, svc, loc, a, b),
                        svc.real_count.busy)  # fmt: skip
    return etagged(request, body, "text/html; charset=utf-8")


def _compare(request: Request, contest_id: str, region_code: str, svc: Services, loc: Locale, a: str, b: str) -> bytes:
    assert svc.compare is not None, "built by rekap/bootstrap.py"
    sources = svc.compare.sources(contest_id, region_code)
    a = a or next((s for s in sources if s.startswith("import")), sources[0] if sources else "accepted")
    view = svc.compare.compare(contest_id, region_code, a, b or "accepted")
    contest = svc.contests.get(contest_id)
    page = views.region_page(svc, contest_id, region_code, loc)
    crumbs = [Crumb(r.name, loc.href(f"/c/{contest_id}/r/{r.code}")) for r in [*page.crumbs, view.region]]
    query = urlencode({"a": view.a, "b": view.b})
    return html(
        request,
        loc,
        "compare.html",
        view=view,
        numbers=[c.number for c in contest.candidates],
        crumb_links=crumbs,
        search_contest=contest_id,
        lang_param=loc.lang if loc.lang != DEFAULT_LANG else "",
        csv_href=f"/api/v1/contests/{contest_id}/compare/{region_code}.csv?{query}",
        json_href=f"/api/v1/contests/{contest_id}/compare/{region_code}?{query}",
    )


@router.get("/c/{contest_id}/r/{region_code}")
@pages_not_found
async def region(
    request: Request, contest_id: str, region_code: str, svc: ServicesDep, loc: LocaleDep, map_mode: MapMode = "lead"
) -> Response:
    return await _region(request, svc, loc, contest_id, region_code, map_mode)


@router.get("/tps/{tps_code}.csv")
def tps_csv(request: Request, tps_code: str, svc: ServicesDep, loc: LocaleDep) -> Response:
    table = downloads.tps_table(tps_page(svc, tps_code, loc))
    return _csv(request, downloads.as_csv(table), f"rekap-tps-{tps_code}.csv")  # fmt: skip


@router.get("/tps/{tps_code}.json")
def tps_json(request: Request, tps_code: str, svc: ServicesDep) -> Response:
    body = json_of(svc.tps.detail(tps_code))
    return etagged(request, body, "application/json")


@router.get("/tps/{tps_code}")
@pages_not_found
async def tps(request: Request, tps_code: str, svc: ServicesDep, loc: LocaleDep) -> Response:
    def build() -> bytes:
        page = tps_page(svc, tps_code, loc)
        link = page.link_contest
        crumbs = [Crumb(r.name, loc.href(f"/c/{link}/r/{r.code}") if link else "") for r in page.crumbs]
        return html(
            request,
            loc,
            "tps.html",
            page=page,
            topics=[page.topic],
            search_contest=page.link_contest,
            crumb_links=crumbs,
            **info.tps_extras(request, svc, tps_code),
        )

    body = await cached(request, svc.real_count.tps_version(tps_code), build, svc.real_count.busy)
    return etagged(request, body, "text/html; charset=utf-8")


@router.get("/search")
def search(
    request: Request, svc: ServicesDep, loc: LocaleDep, q: Annotated[str, Query(max_length=100)] = ""
) -> Response:
    contests = svc.contests.all()
    results = []
    for hit in svc.regions.search(q):
        if hit.kind == "tps":
            results.append({"code": hit.code, "name": hit.name, "kind": "TPS", "href": loc.href(f"/tps/{hit.code}"),
                            "parent": hit.parent, "address": hit.address})  # fmt: skip
            continue
        contest = views.contest_for(contests, hit.code)
        if contest:
            href = loc.href(f"/c/{contest.id}/r/{hit.code}")
            kind = loc.t(f"level.{hit.level}")
            results.append({"code": hit.code, "name": hit.name, "kind": kind, "href": href, "parent": hit.parent,
                            "address": None})  # fmt: skip
    search_contest = contests[0].id if contests else None
    return render(request, loc, "search.html", query=q, results=results, search_contest=search_contest)


def _wall_regions(regions: str) -> list[str]:
    codes = [c.strip() for c in regions.split(",") if c.strip()]
    for code in codes:
        if not _REGION_LIST.match(code):
            raise InvalidInput(f"not a region code: {code!r}", field="regions")
    return codes[:24]  # as many topics as one event stream follows


@router.get("/wall")
@router.get("/wall/{contest_id}")
@pages_not_found
async def wall(
    request: Request,
    svc: ServicesDep,
    loc: LocaleDep,
    contest_id: str = "",
    regions: Annotated[str, Query(max_length=400)] = "",
    theme: Annotated[str, Query(pattern="^(dark|light)$")] = "dark",
    every: Annotated[int, Query(ge=5, le=600)] = 15,
    i: Annotated[int, Query(ge=0, le=1000)] = 0,
) -> Response:
    contests = [svc.contests.get(contest_id)] if contest_id else svc.contests.all()
    shown = views.wall_slides(contests, _wall_regions(regions))
    if not shown:
        raise NotFound("nothing to show: no contest covers these regions", field="regions")
    versions = [svc.real_count.region_version(code, c) for c, code in shown]

    def build() -> bytes:
        slides = [views.region_page(svc, c, code, loc, map_width=800) for c, code in shown]
        current = i % len(slides)
        recaps = views.recap_slides(svc, slides)
        live = [s for s in slides if s.region.code in recaps]  # their recap slides follow the plenaries live
        return html(
            request,
            loc,
            "wall.html",
            slides=slides,
            recap_slides=recaps,
            plenaries_prints={code: fingerprint(p) for code, p in recaps.items()},
            recap_prints={s.region.code: fingerprint(s.recap) for s in live if s.recap},
            recap_topics={s.region.code: recap_topic(s.contest.id, s.region.code) for s in live},
            topics=[s.topic for s in slides] + [recap_topic(s.contest.id, s.region.code) for s in live],
            current=current,
            theme=theme,
            every=every,
            next_url=replace_query(request, i=(current + 1) % len(slides)),
        )

    body = await cached(request, tuple(versions), build, svc.real_count.busy)
    return etagged(request, body, "text/html; charset=utf-8")
