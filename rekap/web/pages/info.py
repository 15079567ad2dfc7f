"""Public pages of election information: the schedule, the TPS directory with its map, 'find my TPS', and the
CSV downloads of them (committees: position and name only)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request, Response

from rekap.domain.errors import InvalidInput, RateLimited
from rekap.domain.schedule import Stage
from rekap.services.directory import EXPORT_COLUMNS, TpsInfo
from rekap.web.access import actor_of, csrf_token, set_csrf
from rekap.web.deps import Services, ServicesDep, etagged
from rekap.web.geo import PinMap
from rekap.web.pages import downloads
from rekap.web.pages.i18n import Locale, locale
from rekap.web.pages.render import Crumb, html, render
from rekap.web.pages.views import ATLAS

router = APIRouter(include_in_schema=False)
PIN_WIDTH = 400


def _locale(lang: Annotated[str | None, Query(max_length=5)] = None) -> Locale:
    return locale(lang)


LocaleDep = Annotated[Locale, Depends(_locale)]


@dataclass(frozen=True)
class StageNow:
    """The stage under way (or the next one) for the home page's banner."""

    election: str
    current: Stage | None
    next: Stage | None


def stage_now(svc: Services) -> StageNow | None:
    if svc.schedule is None:
        return None
    for c in svc.contests.all():
        current, coming = svc.schedule.now(c.election)
        if current or coming:
            return StageNow(c.election, current, coming)
    return None


def pin_map(code: str, tps: list[TpsInfo], highlight: str | None = None) -> PinMap | None:
    points = [(t.code, t.lat_e6, t.lon_e6) for t in tps if t.lat_e6 is not None and t.lon_e6 is not None]
    return ATLAS.pin_map(code, points, PIN_WIDTH)  # type: ignore[arg-type]


_MAX_EXTRAS = 20_000


def tps_extras(request: Request, svc: Services, code: str) -> dict[str, Any]:
    """What the TPS page shows of the directory: address, hours, access, the committee and the map. Kept by the
    app per version of the structure (TPS, committees and schedule imports all change it): TPS pages are election
    night's most read, and this costs them no database read after the first."""
    kept: dict[tuple[str, int], dict[str, Any]] | None = getattr(request.app.state, "tps_extras", None)
    if kept is None:
        kept = request.app.state.tps_extras = {}
    key = (code, svc.real_count.tps_version(code)[1])
    extras = kept.get(key)
    if extras is None:
        extras = _tps_extras(svc, code)
        if len(kept) >= _MAX_EXTRAS:
            kept.pop(next(iter(kept)))
        kept[key] = extras
    return extras


def _tps_extras(svc: Services, code: str) -> dict[str, Any]:
    assert svc.directory is not None and svc.committees is not None
    info = svc.directory.tps(code)
    kel = info.kelurahan.code
    members = svc.committees.public_of([info.code, kel, kel.rsplit(".", 1)[0]])
    return {"info": info, "committee": members, "pins": pin_map(kel, [info]), "pin_at": info.code}


@router.get("/schedule")
def schedule(request: Request, svc: ServicesDep, loc: LocaleDep) -> Response:
    assert svc.schedule is not None
    today = svc.schedule.today()
    elections: list[tuple[str, list[Stage]]] = []
    for c in svc.contests.all():
        if all(e[0] != c.election for e in elections):
            elections.append((c.election, svc.schedule.stages(c.election)))
    return render(request, loc, "schedule.html", elections=elections, today=today)


@router.get("/schedule.csv")
def schedule_csv(request: Request, svc: ServicesDep) -> Response:
    assert svc.schedule is not None
    rows = []
    for c in svc.contests.all():
        rows += [[c.election, *r] for r in svc.schedule.export_rows(c.election)]
    table = (["election", "id", "name", "start", "end"], rows)
    return _csv(request, downloads.as_csv(table), "rekap-schedule.csv")


@router.get("/committees.csv")
def committees_csv(request: Request, svc: ServicesDep) -> Response:
    assert svc.committees is not None
    table = (["body", "area", "seat", "position", "name"], svc.committees.export_rows(internal=False))
    return _csv(request, downloads.as_csv(table), "rekap-committees.csv")


@router.get("/directory/{region_code}.csv")
def directory_csv(request: Request, region_code: str, svc: ServicesDep) -> Response:
    assert svc.directory is not None
    table = (list(EXPORT_COLUMNS), svc.directory.export_rows(region_code))
    return _csv(request, downloads.as_csv(table), f"rekap-tps-{region_code}.csv")


@router.get("/directory")
@router.get("/directory/{region_code}")
def directory(request: Request, svc: ServicesDep, loc: LocaleDep, region_code: str = "31") -> Response:
    assert svc.directory is not None
    view = svc.directory.region(region_code)
    crumbs = [Crumb(r.name, loc.href(f"/directory/{r.code}")) for r in view.path if r.level >= 1]
    pins = pin_map(region_code, view.tps) if view.tps else None
    committee = svc.committees.public_of([region_code]) if svc.committees else []
    return render(
        request, loc, "directory.html", view=view, crumb_links=crumbs, pins=pins, pin_at=None, committee=committee
    )


@router.get("/health")
async def health_dashboard(request: Request, loc: LocaleDep) -> Response:
    """The coordinator's dashboard: a shell with no data; its script reads the health API with the coordinator's
    session (its writes with the form token), or with a token typed in."""
    session = (await actor_of(request)).logged_in
    body = html(request, loc, "health.html", session=session, csrf=csrf_token(request) if session else "")
    response = Response(body, media_type="text/html; charset=utf-8", headers={"Cache-Control": "no-store"})
    set_csrf(request, response)
    return response


@router.get("/find")
def find_form(request: Request, loc: LocaleDep) -> Response:
    return _find_page(request, loc, None)


@router.post("/find")
def find(
    request: Request,
    svc: ServicesDep,
    loc: LocaleDep,
    nik: Annotated[str, Form(max_length=32)] = "",
    birth_date: Annotated[str, Form(max_length=10)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    assert svc.finder is not None
    ip = request.client.host if request.client else "-"
    try:
        found = svc.finder.find(nik, ip, birth_date, name)
    except RateLimited as err:
        wait = int(err.extra.get("retry_after", 60))
        when = loc.t("find.minutes", n=-(-wait // 60)) if wait >= 120 else loc.t("find.seconds", n=wait)
        return _find_page(request, loc, "limited", status=429, wait=when, headers={"Retry-After": str(wait)})
    except InvalidInput as err:
        return _find_page(request, loc, "invalid", status=422, problem=err.field)
    if found is None:
        return _find_page(request, loc, "missing", status=404)
    extras = tps_extras(request, svc, found.tps.code)
    return _find_page(request, loc, "found", masked=found.masked_name, **extras)


def _find_page(
    request: Request, loc: Locale, outcome: str | None, status: int = 200, headers: dict[str, str] | None = None,
    **context: Any,
) -> Response:  # fmt: skip
    """Never cached anywhere: a lookup's answer is one person's."""
    context = {"outcome": outcome, "pins": None, "pin_at": None, **context}
    body = html(request, loc, "find.html", **context)
    all_headers = {"Cache-Control": "no-store", **(headers or {})}
    return Response(body, status_code=status, media_type="text/html; charset=utf-8", headers=all_headers)


def _csv(request: Request, body: bytes, filename: str) -> Response:
    disposition = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return etagged(request, body, "text/csv; charset=utf-8", max_age=30, extra_headers=disposition)
