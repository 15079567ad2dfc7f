"""Public read API: contests, regions, totals, TPS detail, the log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from rekap.services import queries
from rekap.web.cache import AnswerCache
from rekap.web.deps import CtxDep, etagged, json_bytes, public_json

router = APIRouter(prefix="/api/v1", tags=["public"])


@router.get("/contests", response_model=list[queries.ContestOut])
def get_contests(request: Request, ctx: CtxDep) -> Response:
    return public_json(request, queries.list_contests(ctx), max_age=30)


@router.get("/contests/{contest_id}", response_model=queries.ContestOut)
def get_contest(request: Request, contest_id: str, ctx: CtxDep) -> Response:
    return public_json(request, queries.get_contest(ctx, contest_id), max_age=30)


@router.get("/regions/{code}", response_model=queries.RegionOut)
def get_region(request: Request, code: str, ctx: CtxDep) -> Response:
    return public_json(request, queries.get_region(ctx, code), max_age=30)


#: under heavy ingest a hot total is rebuilt ten times a second, not per read; a served total is then
#: at most this old, well inside the one-second freshness promise (a quiet instance answers exactly)
TOTALS_MAX_STALE = 0.1
BUSY_ENTRIES_PER_SECOND = 50


@router.get("/contests/{contest_id}/totals/{region_code}", response_model=queries.TotalsOut)
async def get_totals(request: Request, contest_id: str, region_code: str, ctx: CtxDep) -> Response:
    # on the event loop: the answer comes from memory (the committed read model), never from the database
    version = ctx.board.region_version(region_code, contest_id)
    if version is None:  # nothing counted there, or no such contest or region: nothing worth keeping
        return public_json(request, queries.totals_for(ctx, contest_id, region_code))
    key = ("totals", contest_id, region_code)
    answers: AnswerCache = request.app.state.answers
    answer = answers.peek(key, version)
    if answer is None:  # only now ask how busy ingest is: counting the last second's entries is not free
        busy = ctx.ledger.entries_per_second() >= BUSY_ENTRIES_PER_SECOND
        answer = answers.get(
            key,
            version,
            lambda: json_bytes(queries.totals_for(ctx, contest_id, region_code)),
            max_stale=TOTALS_MAX_STALE if busy else 0.0,
        )
    return etagged(request, answer, "application/json")


@router.get("/contests/{contest_id}/totals", response_model=list[dict[str, Any]])
def get_all_totals(request: Request, contest_id: str, ctx: CtxDep) -> Response:
    """Every region's stored totals of the contest: what an auditor compares with a recount from the log."""
    return public_json(request, queries.all_totals(ctx, contest_id), max_age=5)


@router.get("/tps/{tps_code}", response_model=queries.TpsOut)
async def get_tps(request: Request, tps_code: str, ctx: CtxDep) -> Response:
    # a hit is answered on the event loop; a miss awaits its query (on the loop on PostgreSQL)
    key, version = ("tps", tps_code), ctx.board.tps_version(tps_code)
    answers: AnswerCache = request.app.state.answers
    answer = answers.peek(key, version)
    if answer is None:
        answer = answers.put(key, version, json_bytes(await queries.tps_detail_async(ctx, tps_code)))
    return etagged(request, answer, "application/json")


@router.get("/log", response_model=queries.LogPage)
def get_log(
    request: Request,
    ctx: CtxDep,
    after: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    page = queries.log_page(ctx, after, limit)
    # a full page never changes again; the open end does
    return public_json(request, page, max_age=3600 if page.next_after is not None else 2)


@router.get("/log/head", response_model=queries.LogHead)
def get_log_head(request: Request, ctx: CtxDep) -> Response:
    return public_json(request, queries.log_head(ctx), max_age=1)


@router.get("/search", response_model=list[dict[str, Any]])
def get_search(request: Request, ctx: CtxDep, q: Annotated[str, Query(max_length=100)] = "") -> Response:
    return public_json(request, queries.search(ctx, q), max_age=30)
