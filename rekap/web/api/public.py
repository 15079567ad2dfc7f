"""Public read API: contests, regions, totals, TPS detail, the log, search."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from rekap.services.views import ContestView, LogHead, LogPage, RegionView, SearchHit, TotalsView, TpsView, json_of
from rekap.web.cache import AnswerCache
from rekap.web.deps import ServicesDep, etagged, public_json

router = APIRouter(prefix="/api/v1", tags=["public"])


@router.get("/contests", response_model=list[ContestView])
def get_contests(request: Request, svc: ServicesDep) -> Response:
    return public_json(request, svc.contests.all(), max_age=30, kind=list[ContestView])


@router.get("/contests/{contest_id}", response_model=ContestView)
def get_contest(request: Request, contest_id: str, svc: ServicesDep) -> Response:
    return public_json(request, svc.contests.get(contest_id), max_age=30)


@router.get("/regions/{code}", response_model=RegionView)
def get_region(request: Request, code: str, svc: ServicesDep) -> Response:
    return public_json(request, svc.regions.get(code), max_age=30)


#: under heavy ingest a hot total is rebuilt ten times a second, not per read; a served total is then
#: at most this old, well inside the one-second freshness promise (a quiet instance answers exactly)
TOTALS_MAX_STALE = 0.1


@router.get("/contests/{contest_id}/totals/{region_code}", response_model=TotalsView)
async def get_totals(request: Request, contest_id: str, region_code: str, svc: ServicesDep) -> Response:
    # on the event loop: the answer comes from memory (the committed read model), never from the database
    count = svc.real_count
    version = count.region_version(region_code, contest_id)
    key = ("totals", contest_id, region_code)
    answers: AnswerCache = request.app.state.answers
    answer = answers.get_when_busy(
        key, version, lambda: json_of(count.totals(contest_id, region_code)), count.busy, TOTALS_MAX_STALE
    )
    return etagged(request, answer, "application/json")


@router.get("/contests/{contest_id}/totals", response_model=list[dict[str, Any]])
def get_all_totals(request: Request, contest_id: str, svc: ServicesDep) -> Response:
    """Every region's stored totals of the contest: what an auditor compares with a recount from the log."""
    return public_json(request, svc.real_count.stored_totals(contest_id), max_age=5)


@router.get("/tps/{tps_code}", response_model=TpsView)
async def get_tps(request: Request, tps_code: str, svc: ServicesDep) -> Response:
    # a hit is answered on the event loop; a miss is built from the TPS's history in memory, or awaits its query
    count = svc.real_count
    key, version = ("tps", tps_code), count.tps_version(tps_code)
    answers: AnswerCache = request.app.state.answers
    answer = answers.peek(key, version)
    if answer is None:
        answer = answers.put(key, version, json_of(await svc.tps.detail_async(tps_code)))
    # the front copy serves it again for as long as no entry of this TPS came in, however busy the log is
    return etagged(request, answer, "application/json", unchanged=lambda: count.tps_version(tps_code) == version)


@router.get("/log", response_model=LogPage)
def get_log(
    request: Request,
    svc: ServicesDep,
    after: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    page = svc.log.page(after, limit)
    # a full page never changes again; the open end does
    return public_json(request, page, max_age=3600 if page.next_after is not None else 2)


@router.get("/log/head", response_model=LogHead)
def get_log_head(request: Request, svc: ServicesDep) -> Response:
    return public_json(request, svc.log.head(), max_age=1)


@router.get("/log/checkpoint", responses={200: {"content": {"application/json": {}}}})
def get_log_checkpoint(request: Request, svc: ServicesDep) -> Response:
    """The log head signed with the instance's Ed25519 key (rekap verify --checkpoint checks a log against it)."""
    return etagged(request, svc.log.checkpoint(), "application/json", max_age=1)


@router.get("/search", response_model=list[SearchHit])
def get_search(request: Request, svc: ServicesDep, q: Annotated[str, Query(max_length=100)] = "") -> Response:
    return public_json(request, svc.regions.search(q), max_age=30, kind=list[SearchHit], exclude_none=True)
