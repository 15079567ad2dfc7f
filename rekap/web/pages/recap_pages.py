"""Pages of the recap: the plenaries' progress below a region, the operator's entry page, the problem TPS lists;
each table also as CSV and JSON."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from rekap.services.problems import ProblemList
from rekap.services.recaps import RecapProgress
from rekap.services.views import python_of
from rekap.web.deps import ProblemsDep, RecapsDep, ServicesDep, etagged
from rekap.web.pages import downloads, views
from rekap.web.pages.i18n import Locale
from rekap.web.pages.recap_view import fingerprint, plenaries, recap_parts, recap_topic
from rekap.web.pages.render import Crumb, cached, html, render
from rekap.web.pages.routes import LocaleDep, pages_not_found

router = APIRouter(include_in_schema=False)
BASE = "/c/{contest_id}/r/{region_code}"
Sort = Annotated[str, Query(pattern="^(code|at|detail)$")]
Filter = Annotated[str, Query(max_length=100)]


def _crumbs(page: views.RegionPage, loc: Locale, contest_id: str) -> list[Crumb]:
    links = [Crumb(r.name, loc.href(f"/c/{contest_id}/r/{r.code}")) for r in page.crumbs]
    return [*links, Crumb(page.region.name, loc.href(f"/c/{contest_id}/r/{page.region.code}"))]


def progress_table(p: RecapProgress) -> downloads.Table:
    header = ["code", "name", "status", "signed_at", "differences", "stream"]
    return header, [
        [x.region.code, x.region.name, x.status, x.signed_at, x.differences, x.stream or ""] for x in p.lines
    ]


@router.get(BASE + "/recap.csv")
def recap_csv(request: Request, contest_id: str, region_code: str, svc: ServicesDep) -> Response:
    body = downloads.as_csv(progress_table(plenaries(svc, contest_id, region_code)))
    headers = {"Content-Disposition": f'attachment; filename="rekap-recap-{contest_id}-{region_code}.csv"'}
    return etagged(request, body, "text/csv; charset=utf-8", extra_headers=headers)


@router.get(BASE + "/recap.json")
def recap_json(request: Request, contest_id: str, region_code: str, svc: ServicesDep, recaps: RecapsDep) -> Response:
    body = {
        "recap": python_of(recaps.view(contest_id, region_code)),
        "children": python_of(plenaries(svc, contest_id, region_code)),
    }
    return etagged(request, json.dumps(body, ensure_ascii=False).encode(), "application/json")


@router.get(BASE + "/recap")
@pages_not_found
async def recap_progress(
    request: Request, contest_id: str, region_code: str, svc: ServicesDep, loc: LocaleDep
) -> Response:
    def build() -> bytes:
        page = views.region_page(svc, contest_id, region_code, loc)
        progress, parts = plenaries(svc, contest_id, region_code), recap_parts(page, loc)
        return html(
            request, loc, "recap_progress.html", page=page, progress=progress, plenaries_print=fingerprint(progress),
            crumb_links=_crumbs(page, loc, contest_id), search_contest=contest_id,
            download_base=f"/c/{contest_id}/r/{region_code}/recap", topics=[recap_topic(contest_id, region_code)],
            **parts,
        )  # fmt: skip

    body = await cached(request, svc.real_count.region_version(region_code, contest_id), build, svc.real_count.busy)
    return etagged(request, body, "text/html; charset=utf-8")


@router.get(BASE + "/recap/enter")
@pages_not_found
async def recap_enter(
    request: Request, contest_id: str, region_code: str, svc: ServicesDep, loc: LocaleDep
) -> Response:
    def build() -> Response:
        page = views.region_page(svc, contest_id, region_code, loc)
        parts = recap_parts(page, loc)
        return render(
            request, loc, "recap_enter.html", page=page, crumb_links=_crumbs(page, loc, contest_id),
            search_contest=contest_id, topics=[parts["recap_topic"]] if page.recap else [],
            fields=("valid", "invalid", "used", "unused", "damaged", "dpt", "dptb", "dpk", "voters"), **parts,
        )  # fmt: skip

    return await run_in_threadpool(build)


def problems_table(p: ProblemList) -> downloads.Table:
    header = ["tps", "kelurahan", "kelurahan_name", "detail", "at"]
    return header, [[r.tps, r.kelurahan, r.kelurahan_name, r.detail, r.at] for r in p.rows]


def _problems(problems: ProblemsDep, contest_id: str, code: str, kind: str, sort: str, desc: bool, q: str,
              limit: int | None) -> ProblemList:  # fmt: skip
    return problems.listed(contest_id, code, kind, sort, desc, q, limit)


@router.get(BASE + "/problems/{kind}.csv")
def problems_csv(
    request: Request, contest_id: str, region_code: str, kind: str, problems: ProblemsDep,
    sort: Sort = "code", desc: bool = False, q: Filter = "",
) -> Response:  # fmt: skip
    table = problems_table(_problems(problems, contest_id, region_code, kind, sort, desc, q, None))
    headers = {"Content-Disposition": f'attachment; filename="rekap-{kind}-{contest_id}-{region_code}.csv"'}
    return etagged(request, downloads.as_csv(table), "text/csv; charset=utf-8", extra_headers=headers)


@router.get(BASE + "/problems/{kind}.json")
def problems_json(
    request: Request, contest_id: str, region_code: str, kind: str, problems: ProblemsDep,
    sort: Sort = "code", desc: bool = False, q: Filter = "",
) -> Response:  # fmt: skip
    p = _problems(problems, contest_id, region_code, kind, sort, desc, q, None)
    about = {"contest": contest_id, "region": region_code, "kind": kind, "total": p.total}
    return etagged(request, downloads.as_json(problems_table(p), about), "application/json")


@router.get(BASE + "/problems/{kind}")
@pages_not_found
async def problems_page(
    request: Request, contest_id: str, region_code: str, kind: str, svc: ServicesDep, problems: ProblemsDep,
    loc: LocaleDep, sort: Sort = "code", desc: bool = False, q: Filter = "",
) -> Response:  # fmt: skip
    def build() -> Response:
        page = views.region_page(svc, contest_id, region_code, loc)
        listed = _problems(problems, contest_id, region_code, kind, sort, desc, q, 2000)
        query = f"?sort={sort}&desc={'true' if desc else 'false'}&q={q}"
        return render(
            request, loc, "problems.html", page=page, listed=listed, counts=problems.counts(contest_id, region_code),
            kind=kind, sort=sort, desc=desc,
            q=q, crumb_links=_crumbs(page, loc, contest_id), search_contest=contest_id,
            download_base=f"/c/{contest_id}/r/{region_code}/problems/{kind}", download_query=query,
        )  # fmt: skip

    return await run_in_threadpool(build)
