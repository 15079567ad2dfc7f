"""Public HTML pages (server-rendered, work without JavaScript) and the CSV/JSON of the tables they show."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from rekap.domain.errors import InvalidInput, NotFound
from rekap.services.views import json_of
from rekap.web.cache import Answer
from rekap.web.deps import Services, ServicesDep, etagged
from rekap.web.pages import downloads, info, views
from rekap.web.pages.i18n import Locale, locale
from rekap.web.pages.render import Crumb, cached, html, mount_static, render, replace_query
from rekap.web.pages.tps_view import tps_page

__all__ = ["mount_static", "router"]

router = APIRouter(include_in_schema=False)
_REGION_LIST = re.compile(r"^(ID|\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?)$")


def get_locale(lang: Annotated[str | None, Query(max_length=5)] = None) -> Locale:
    return locale(lang)


LocaleDep = Annotated[Locale, Depends(get_locale)]
MapMode = Annotated[str, Query(alias="map", pattern="^(lead|prog)$")]


def pages_not_found(fn: Callable[..., Response]) -> Callable[..., Response]:
    """A reader who follows a dead link gets a page in their language, not problem+json."""

    @functools.wraps(fn)
    def wrapper(**kwargs: Any) -> Response:
        try:
            return fn(**kwargs)
        except NotFound as err:
            return render(kwargs["request"], kwargs["loc"], "notfound.html", status=404, detail=err.detail)

    return wrapper


def _region(request: Request, svc: Services, loc: Locale, contest_id: str, code: str, map_mode: str) -> Response:
    def build() -> bytes:
        page = views.region_page(svc, contest_id, code, loc)
        return html(
            request,
            loc,
            "region.html",
            page=page,
            topics=[page.topic],
            main_topic=page.topic,
            search_contest=contest_id,
            crumb_links=[Crumb(r.name, loc.href(f"/c/{contest_id}/r/{r.code}")) for r in page.crumbs],
            download_base=f"/c/{contest_id}/r/{code}",
            wall_href=loc.href(f"/wall/{contest_id}", regions=code),
            map_mode=map_mode,
            stage=info.stage_now(svc) if code == page.contest.scope else None,
        )

    version = svc.real_count.region_version(code, contest_id)
    today = svc.schedule.today() if svc.schedule else ""  # the current stage changes at midnight
    body = cached(request, (version, today) if version is not None else None, build)
    return etagged(request, body, "text/html; charset=utf-8")


@router.get("/")
@pages_not_found
def index(request: Request, svc: ServicesDep, loc: LocaleDep, map_mode: MapMode = "lead") -> Response:
    contests = svc.contests.all()
    if len(contests) == 1:
        return _region(request, svc, loc, contests[0].id, contests[0].scope, map_mode)
    pages = [views.region_page(svc, c.id, c.scope, loc) for c in contests]
    search_contest = contests[0].id if contests else None
    return render(
        request, loc, "index.html", pages=pages, topics=[p.topic for p in pages], search_contest=search_contest,
        stage=info.stage_now(svc),
    )  # fmt: skip


@router.get("/c/{contest_id}")
@pages_not_found
def contest_page(
    request: Request, contest_id: str, svc: ServicesDep, loc: LocaleDep, map_mode: MapMode = "lead"
) -> Response:
    return _region(request, svc, loc, contest_id, svc.contests.get(contest_id).scope, map_mode)


def _csv(request: Request, body: bytes | Answer, filename: str) -> Response:
    disposition = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return etagged(request, body, "text/csv; charset=utf-8", extra_headers=disposition)


# The downloads come first: "{region_code}" alone would also match "31.71.csv".
@router.get("/c/{contest_id}/r/{region_code}.csv")
def region_csv(request: Request, contest_id: str, region_code: str, svc: ServicesDep, loc: LocaleDep) -> Response:
    def build() -> bytes:
        return downloads.as_csv(downloads.region_table(views.region_page(svc, contest_id, region_code, loc)))

    body = cached(request, svc.real_count.region_version(region_code, contest_id), build)
    return _csv(request, body, f"rekap-{contest_id}-{region_code}.csv")  # fmt: skip


@router.get("/c/{contest_id}/r/{region_code}.json")
def region_json(request: Request, contest_id: str, region_code: str, svc: ServicesDep, loc: LocaleDep) -> Response:
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

    body = cached(request, svc.real_count.region_version(region_code, contest_id), build)
    return etagged(request, body, "application/json")


@router.get("/c/{contest_id}/r/{region_code}")
@pages_not_found
def region(
    request: Request, contest_id: str, region_code: str, svc: ServicesDep, loc: LocaleDep, map_mode: MapMode = "lead"
) -> Response:
    return _region(request, svc, loc, contest_id, region_code, map_mode)


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
def tps(request: Request, tps_code: str, svc: ServicesDep, loc: LocaleDep) -> Response:
    page = tps_page(svc, tps_code, loc)
    crumbs = [
        Crumb(r.name, loc.href(f"/c/{page.link_contest}/r/{r.code}") if page.link_contest else "") for r in page.crumbs
    ]
    return render(
        request,
        loc,
        "tps.html",
        page=page,
        topics=[page.topic],
        search_contest=page.link_contest,
        crumb_links=crumbs,
        **info.tps_extras(request, svc, tps_code),
    )


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
def wall(
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
        return html(
            request,
            loc,
            "wall.html",
            slides=slides,
            topics=[s.topic for s in slides],
            current=current,
            theme=theme,
            every=every,
            next_url=replace_query(request, i=(current + 1) % len(slides)),
        )

    body = cached(request, None if None in versions else tuple(versions), build)
    return etagged(request, body, "text/html; charset=utf-8")
