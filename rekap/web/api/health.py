"""Officers' health over the API (internal only): officers declare and check in, the health coordinator reads the
dashboard, hears changes live (SSE) and acknowledges or resolves alerts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from rekap.domain.errors import InvalidInput
from rekap.domain.health import Declaration
from rekap.domain.people import Actor
from rekap.services.health import AlertView, HealthDashboard, OfficerHealth, in_scope
from rekap.services.views import json_of
from rekap.web.access import Acting, actor_name, grant_or_403, requires, requires_grant
from rekap.web.deps import ServicesDep

router = APIRouter(prefix="/api/v1/health", tags=["health (internal)"])
Reporter = Annotated[Actor, Depends(requires("health.report"))]
Coordinator = Annotated[Acting, requires_grant("health.read")]
PRIVATE = {"Cache-Control": "no-store"}
KEEPALIVE = 15.0


def _health(svc: Any) -> OfficerHealth:
    assert svc.health is not None, "wired by the composition root"
    return svc.health  # type: ignore[no-any-return]


def _officer(actor: Actor, named: str, tps: str) -> str:
    """Whom a report is about: a person reports as themselves; a machine's token names the officer. Either way the
    TPS lies within the grant it acts under."""
    grant_or_403(actor, "health.report", tps)
    if not (actor.user or "").startswith("token:"):
        return actor_name(actor)
    if not named.strip():
        raise InvalidInput("a token names the officer it reports for", field="officer_ref")
    return named


_OFFICER_REF = "the officer's id, from a machine's token; a person logged in reports as themselves"


class DeclarationIn(BaseModel):
    officer_ref: str = Field(default="", max_length=80, description=_OFFICER_REF)
    tps: str = Field(max_length=24)
    age: int
    conditions: list[str] = Field(default_factory=list, max_length=20)
    fitness: int = Field(description="self-rated fitness: 1 (poor) to 5 (very good)")


class CheckInIn(BaseModel):
    officer_ref: str = Field(default="", max_length=80, description=_OFFICER_REF)
    tps: str = Field(max_length=24)
    kind: str = Field(description="start, break, resume or end")
    symptoms: list[str] = Field(default_factory=list, max_length=10)


class HelpIn(BaseModel):
    officer_ref: str = Field(default="", max_length=80, description=_OFFICER_REF)
    tps: str = Field(max_length=24)
    lat_e6: int | None = Field(default=None, ge=-90_000_000, le=90_000_000, description="latitude in microdegrees")
    lon_e6: int | None = Field(default=None, ge=-180_000_000, le=180_000_000)
    note: str = Field(default="", max_length=500)


@router.post("/declarations", status_code=201)
def post_declaration(body: DeclarationIn, svc: ServicesDep, who: Reporter) -> Response:
    officer = _officer(who, body.officer_ref, body.tps)
    decl = Declaration(officer, body.tps, body.age, tuple(body.conditions), body.fitness)
    found = _health(svc).declare(decl)
    return Response(orjson.dumps({"at_risk": bool(found)}), 201, media_type="application/json", headers=PRIVATE)


@router.post("/check-ins", status_code=204)
def post_check_in(body: CheckInIn, svc: ServicesDep, who: Reporter) -> None:
    _health(svc).check_in(_officer(who, body.officer_ref, body.tps), body.tps, body.kind, body.symptoms)


@router.post("/help", status_code=201)
def post_help(body: HelpIn, svc: ServicesDep, who: Reporter) -> Response:
    officer = _officer(who, body.officer_ref, body.tps)
    alert = _health(svc).need_help(officer, body.tps, body.lat_e6, body.lon_e6, body.note)
    return Response(orjson.dumps({"alert": alert}), 201, media_type="application/json", headers=PRIVATE)


@router.get("/dashboard", response_model=HealthDashboard)
def get_dashboard(svc: ServicesDep, who: Coordinator) -> Response:
    return Response(json_of(_health(svc).dashboard(who.scope)), media_type="application/json", headers=PRIVATE)


@router.post("/alerts/{alert_id}/{action}", response_model=AlertView)
def post_alert_action(alert_id: int, action: str, svc: ServicesDep, who: Coordinator) -> Response:
    return Response(json_of(_health(svc).act(alert_id, action, who.actor, who.scope)), media_type="application/json",
                    headers=PRIVATE)  # fmt: skip


@router.get("/events")
async def get_events(request: Request, svc: ServicesDep, who: Coordinator) -> StreamingResponse:
    """Server-sent events: one `change` per alert or check-in (its id only; the dashboard reads the rest)."""
    health = _health(svc)
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=1000)

    def heard(event: dict[str, Any]) -> None:
        if not in_scope(str(event.get("tps") or ""), who.scope):
            return  # another region's officers
        loop.call_soon_threadsafe(lambda: None if queue.full() else queue.put_nowait(event))

    async def stream() -> AsyncIterator[bytes]:
        unsubscribe = health.subscribe(heard)
        try:
            yield b"retry: 2000\n\n"
            while not await request.is_disconnected():
                try:
                    event = await asyncio.wait_for(queue.get(), KEEPALIVE)
                except TimeoutError:
                    yield b": keepalive\n\n"
                    continue
                yield b"event: change\ndata: " + orjson.dumps(event) + b"\n\n"
        finally:
            unsubscribe()

    return StreamingResponse(stream(), media_type="text/event-stream", headers={**PRIVATE, "X-Accel-Buffering": "no"})
