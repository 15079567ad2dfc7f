"""The recap (D-form) of each region over the API: public reads, and the plenary's steps for its operators."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from rekap.domain.log import Entry
from rekap.domain.people import Actor
from rekap.domain.recap import Operator, RecapFigures
from rekap.services.recaps import RecapProgress, RecapView
from rekap.web import access
from rekap.web.deps import RecapsDep, ServicesDep, public_json
from rekap.web.schemas import RecapIn, RecapReceiptOut, ReopenIn, SignOffIn

router = APIRouter(prefix="/api/v1", tags=["recap"])

def requires(action: str) -> Callable[..., Coroutine[Any, Any, Operator]]:
    """The caller as the operator of `action` in the region of the path (rekap/domain/people.py PERMISSIONS)."""

    allowed = access.requires(action, "region_code")

    # a default, not Annotated: with postponed annotations FastAPI could not see this local `allowed`
    async def operator(request: Request, actor: Actor = Depends(allowed)) -> Operator:
        grant = access.grant_or_403(actor, action, request.path_params["region_code"])
        return Operator(access.actor_name(actor), grant.role, grant.scope)

    return operator


PUBLIC_READ = [Depends(access.requires("public.read"))]


def _receipt(e: Entry) -> RecapReceiptOut:
    return RecapReceiptOut(seq=e.seq, hash=e.hash, at=e.at, kind=e.kind)


BASE = "/contests/{contest_id}/recaps/{region_code}"


@router.get(BASE, response_model=RecapView, dependencies=PUBLIC_READ)
def get_recap(request: Request, contest_id: str, region_code: str, recaps: RecapsDep) -> Response:
    return public_json(request, recaps.view(contest_id, region_code))


@router.get(BASE + "/progress", response_model=RecapProgress, dependencies=PUBLIC_READ)
def get_progress(request: Request, contest_id: str, region_code: str, svc: ServicesDep, recaps: RecapsDep) -> Response:
    kids = [c.region.code for c in svc.real_count.totals(contest_id, region_code).children]
    return public_json(request, recaps.progress(contest_id, region_code, svc.regions.streams_of(kids)))


@router.post(BASE + "/start", status_code=201)
def start(
    contest_id: str, region_code: str, recaps: RecapsDep, who: Annotated[Operator, Depends(requires("recap.start"))]
) -> RecapReceiptOut:
    return _receipt(recaps.start(who, region_code, contest_id))


@router.put(BASE, status_code=201)
def enter(
    contest_id: str,
    region_code: str,
    body: RecapIn,
    recaps: RecapsDep,
    who: Annotated[Operator, Depends(requires("recap.enter"))],
) -> RecapReceiptOut:
    fig = RecapFigures(region_code, contest_id, body.result.to_domain(), tuple(body.photos), body.reason)
    return _receipt(recaps.enter(who, fig))


@router.post(BASE + "/sign-off", status_code=201)
def sign_off(
    contest_id: str,
    region_code: str,
    body: SignOffIn,
    recaps: RecapsDep,
    who: Annotated[Operator, Depends(requires("recap.sign_off"))],
) -> RecapReceiptOut:
    return _receipt(recaps.sign_off(who, region_code, contest_id, body.explanation))


@router.post(BASE + "/reopen", status_code=201)
def reopen(
    contest_id: str,
    region_code: str,
    body: ReopenIn,
    recaps: RecapsDep,
    who: Annotated[Operator, Depends(requires("recap.reopen"))],
) -> RecapReceiptOut:
    return _receipt(recaps.reopen(who, region_code, contest_id, body.reason))
