"""An officer's day on their phone, beside the field form: the health declaration before duty, check-ins (start,
break, back, end) with the hours on duty so far, and "I need help" with the TPS and, when the phone allows, where
it is. Internal: only the officer and the health coordinator see any of it, and none of it is logged.

Each form works without JavaScript (a post, then the page again); duty.js sends the same forms with fetch, adds the
phone's location to a call for help and says plainly when something was not sent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse

from rekap.domain.errors import InvalidInput, RekapError
from rekap.domain.health import RISK_CONDITIONS, Declaration
from rekap.domain.people import Actor
from rekap.services.health import SYMPTOMS, OfficerHealth
from rekap.web import problems
from rekap.web.access import actor_name, requires
from rekap.web.deps import Services, ServicesDep
from rekap.web.pages.i18n import Locale
from rekap.web.pages.people import page
from rekap.web.pages.routes import LocaleDep

router = APIRouter(include_in_schema=False)
OnDuty = Annotated[Actor, Depends(requires("health.report", target="tps_code"))]
CONDITIONS = tuple(sorted(RISK_CONDITIONS))
SYMPTOM_LIST = tuple(sorted(SYMPTOMS))
_MICRO = {"lat_e6": 90_000_000, "lon_e6": 180_000_000}
#: what an officer is told when the server refuses a form, by the field it names
_REFUSED = {"age": "duty.bad_age", "fitness": "duty.bad_fitness", "kind": "duty.bad_order"}


def _health(svc: Services) -> OfficerHealth:
    assert svc.health is not None, "wired by the composition root"
    return svc.health


@router.get("/report/{tps_code}/duty")
def duty_page(request: Request, tps_code: str, svc: ServicesDep, loc: LocaleDep, actor: OnDuty) -> Response:
    return _page(request, svc, loc, actor, tps_code)


@router.post("/report/{tps_code}/duty/declaration")
async def declare(
    request: Request,
    tps_code: str,
    svc: ServicesDep,
    loc: LocaleDep,
    actor: OnDuty,
    age: Annotated[str, Form(max_length=10)] = "",
    fitness: Annotated[str, Form(max_length=10)] = "",
    conditions: Annotated[list[str], Form(max_length=len(CONDITIONS))] = [],  # noqa: B006 - FastAPI copies it
    other: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    def act() -> None:
        known = [c for c in conditions if c in RISK_CONDITIONS]
        told = [w.strip().lower()[:40] for w in other.split(",") if w.strip()][:5]
        decl = Declaration(actor_name(actor), tps_code, _int(age, "age"), tuple(known + told), _int(fitness, "fitness"))
        _health(svc).declare(decl)

    return await _done(request, svc, loc, actor, tps_code, act)


@router.post("/report/{tps_code}/duty/check-in")
async def check_in(
    request: Request,
    tps_code: str,
    svc: ServicesDep,
    loc: LocaleDep,
    actor: OnDuty,
    kind: Annotated[str, Form(max_length=10)] = "",
    symptoms: Annotated[list[str], Form(max_length=len(SYMPTOM_LIST))] = [],  # noqa: B006 - FastAPI copies it
) -> Response:
    def act() -> None:
        _health(svc).check_in(actor_name(actor), tps_code, kind, symptoms)

    return await _done(request, svc, loc, actor, tps_code, act)


@router.post("/report/{tps_code}/duty/help")
async def need_help(
    request: Request,
    tps_code: str,
    svc: ServicesDep,
    loc: LocaleDep,
    actor: OnDuty,
    lat_e6: Annotated[str, Form(max_length=12)] = "",
    lon_e6: Annotated[str, Form(max_length=12)] = "",
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    def act() -> None:
        lat, lon = _micro(lat_e6, "lat_e6"), _micro(lon_e6, "lon_e6")
        if (lat is None) != (lon is None):
            lat = lon = None  # half a position is no position
        _health(svc).need_help(actor_name(actor), tps_code, lat, lon, note.strip())

    return await _done(request, svc, loc, actor, tps_code, act)


async def _done(
    request: Request, svc: Services, loc: Locale, actor: Actor, tps_code: str, act: Callable[[], None]
) -> Response:
    """Do it; then the page again (a plain form) or 204 (the script). A refusal: the page with the reason, or a
    problem whose detail is that reason in the officer's language."""
    assert svc.directory is not None
    try:
        await run_in_threadpool(svc.directory.tps, tps_code)  # an unknown TPS is a 404, before anything is kept
        await run_in_threadpool(act)
    except RekapError as err:
        said = loc.t(_REFUSED[err.field]) if err.field in _REFUSED else err.detail
        if _scripted(request):
            return problems.problem(err.status, err.slug, err.title, said, err.field)
        return _page(request, svc, loc, actor, tps_code, status=err.status, error=said)
    if _scripted(request):
        return Response(status_code=204, headers={"Cache-Control": "no-store"})
    return RedirectResponse(loc.href(f"/report/{tps_code}/duty"), status_code=303)


def _page(
    request: Request, svc: Services, loc: Locale, actor: Actor, tps_code: str, status: int = 200,
    error: str | None = None,
) -> Response:  # fmt: skip
    assert svc.directory is not None
    tps = svc.directory.tps(tps_code)  # UnknownTps: 404
    own = _health(svc).own(actor_name(actor))
    return page(request, loc, "duty.html", status=status, tps=tps, own=own, error=error, conditions=CONDITIONS,
                symptoms=SYMPTOM_LIST, hm=_hm(loc))  # fmt: skip


def _hm(loc: Locale) -> Callable[[int], str]:
    def hm(seconds: int) -> str:
        return loc.t("js.duty.hm", h=seconds // 3600, m=seconds % 3600 // 60)

    return hm


def _scripted(request: Request) -> bool:
    return request.headers.get("accept", "").startswith("application/json")


def _int(value: str, field: str) -> int:
    if not value.strip().isdigit():
        raise InvalidInput(f"{field} must be a whole number", field=field)
    return int(value)


def _micro(value: str, field: str) -> int | None:
    """Microdegrees from the phone, or None when it gave none (no permission, no fix)."""
    try:
        n = int(value.strip())
    except ValueError:
        return None  # a call for help goes out with its TPS alone rather than not at all
    return n if abs(n) <= _MICRO[field] else None
