"""The pages of people: login and activation, the field form officers, witnesses and volunteers report with, and
the operator console. Never cached by anyone (Cache-Control: no-store), every form carries a CSRF token."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Annotated, Any

import orjson
import segno
from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse

from rekap.domain.errors import InvalidInput, LoginFailed, RekapError, TooManyAttempts, Unauthorized
from rekap.domain.people import SOURCE_OF_ROLE, Actor, grant_for, may
from rekap.domain.regions import is_within
from rekap.domain.rules import rules_as_data
from rekap.services.people import People
from rekap.services.sessions import Sessions
from rekap.services.views import SubmissionView, TpsView
from rekap.web.access import (
    CSRF_FIELD,
    csrf_token,
    forget_session,
    requires,
    set_csrf,
    set_session,
)
from rekap.web.deps import Services, ServicesDep
from rekap.web.pages.i18n import Locale
from rekap.web.pages.render import html
from rekap.web.pages.routes import LocaleDep
from rekap.web.pages.tps_view import source_label

router = APIRouter(include_in_schema=False)

Login = Annotated[Actor, Depends(requires("session.login"))]
Own = Annotated[Actor, Depends(requires("session.own"))]
Reporting = Annotated[Actor, Depends(requires("field.report"))]
Managing = Annotated[Actor, Depends(requires("people.read"))]
Manage = Annotated[Actor, Depends(requires("people.manage"))]
Locking = Annotated[Actor, Depends(requires("contest.lock"))]
#: the source each reporting role's form counts as, shown on the form
_FORM_ROLES = ("officer", "witness", "volunteer", "operator", "admin")


def _people(svc: Services) -> tuple[People, Sessions]:
    assert svc.people is not None and svc.sessions is not None, "the composition root wires people"
    return svc.people, svc.sessions


def page(request: Request, loc: Locale, template: str, status: int = 200, **context: Any) -> Response:
    """A people page: private, never stored by a cache, with this browser's form token."""
    request.state.private = True
    body = html(
        request, loc, template, csrf=csrf_token(request), csrf_field=CSRF_FIELD, when_unix=_when(loc), **context
    )
    headers = {"Cache-Control": "no-store", "Referrer-Policy": "same-origin"}
    resp = Response(body, status_code=status, media_type="text/html; charset=utf-8", headers=headers)
    set_csrf(request, resp)
    return resp


def _when(loc: Locale) -> Any:
    def when_unix(ts: int) -> str:
        return loc.when(datetime.fromtimestamp(ts, UTC).replace(tzinfo=None).isoformat() + "Z")

    return when_unix


def _address(request: Request) -> str:
    return request.client.host if request.client else "?"


def _safe_next(nxt: str) -> str:
    return nxt if nxt.startswith("/") and not nxt.startswith("//") else "/report"


# --- logging in and out ------------------------------------------------------------------------------------


@router.get("/login")
def login_form(
    request: Request, loc: LocaleDep, _a: Login, next: Annotated[str, Query(max_length=300)] = ""
) -> Response:
    return page(request, loc, "login.html", next=next, error=None)


@router.post("/login")
async def login(
    request: Request,
    svc: ServicesDep,
    loc: LocaleDep,
    _a: Login,
    username: Annotated[str, Form(max_length=80)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    _, sessions = _people(svc)
    try:
        secret, _user = await run_in_threadpool(sessions.login, username, password, _address(request))
    except TooManyAttempts as err:
        resp = page(
            request,
            loc,
            "login.html",
            status=429,
            next=next,
            error=loc.t("people.locked_out", minutes=max(1, int(err.extra["retry_after"]) // 60)),
        )
        resp.headers["Retry-After"] = str(err.extra["retry_after"])
        return resp
    except LoginFailed:
        return page(request, loc, "login.html", status=401, next=next, error=loc.t("people.login_failed"))
    resp = RedirectResponse(_safe_next(next) if next else loc.href("/report"), status_code=303)
    set_session(request, resp, secret)
    return resp


@router.post("/logout")
async def logout(
    request: Request, svc: ServicesDep, actor: Own, everywhere: Annotated[str, Form(max_length=3)] = ""
) -> Response:
    _, sessions = _people(svc)
    if everywhere and actor.user:
        await run_in_threadpool(sessions.logout_everywhere, actor.user)
    else:
        await run_in_threadpool(sessions.logout, request.cookies.get("rk_session", ""))
    resp = RedirectResponse("/login", status_code=303)
    forget_session(resp)
    return resp


@router.get("/activate")
def activate_form(
    request: Request, loc: LocaleDep, _a: Login, code: Annotated[str, Query(max_length=20)] = ""
) -> Response:
    return page(request, loc, "activate.html", code=code, error=None)


@router.post("/activate")
async def activate(
    request: Request,
    svc: ServicesDep,
    loc: LocaleDep,
    _a: Login,
    code: Annotated[str, Form(max_length=20)] = "",
    pin: Annotated[str, Form(max_length=200)] = "",
    pin2: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    people, sessions = _people(svc)
    address = _address(request)
    try:
        await run_in_threadpool(sessions.check_throttle, "code:" + code, address)
        if pin != pin2:
            raise InvalidInput(loc.t("people.pin_mismatch"), field="pin2")
        user = await run_in_threadpool(people.activate, code, pin)
    except TooManyAttempts as err:
        resp = page(
            request,
            loc,
            "activate.html",
            status=429,
            code=code,
            error=loc.t("people.locked_out", minutes=max(1, int(err.extra["retry_after"]) // 60)),
        )
        resp.headers["Retry-After"] = str(err.extra["retry_after"])
        return resp
    except Unauthorized:
        await run_in_threadpool(sessions.failed, "code:" + code, address)
        return page(request, loc, "activate.html", status=401, code=code, error=loc.t("people.code_bad"))
    except InvalidInput as err:
        message = err.detail if err.field == "pin2" else loc.t("people.pin_short")
        return page(request, loc, "activate.html", status=422, code=code, error=message)
    secret = await run_in_threadpool(sessions.start, user)
    resp = RedirectResponse(loc.href("/report"), status_code=303)
    set_session(request, resp, secret)
    return resp


@router.get("/account")
def account(request: Request, loc: LocaleDep, actor: Own) -> Response:
    return page(request, loc, "account.html", actor=actor, message=None)


@router.post("/account/password")
async def change_password(
    request: Request,
    svc: ServicesDep,
    loc: LocaleDep,
    actor: Own,
    old: Annotated[str, Form(max_length=200)] = "",
    new: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    people, _ = _people(svc)
    try:
        await run_in_threadpool(people.change_password, actor.user or "", old, new)
    except RekapError as err:
        return page(request, loc, "account.html", status=err.status, actor=actor, message=err.detail)
    return page(request, loc, "account.html", actor=actor, message=loc.t("people.password_changed"))


# --- the field form ----------------------------------------------------------------------------------------


def _report_grants(actor: Actor) -> list[Any]:
    return [g for g in actor.grants if g.role in _FORM_ROLES]


@router.get("/report")
def report_pick(
    request: Request, loc: LocaleDep, actor: Reporting, tps_code: Annotated[str, Query(alias="tps", max_length=24)] = ""
) -> Response:
    """The TPS to report: straight to the form when there is one, a picker when there are several."""
    if tps_code:
        return RedirectResponse(loc.href(f"/report/{tps_code.strip()}"), status_code=303)
    tps = sorted({g.scope for g in _report_grants(actor) if "-" in g.scope})
    if len(tps) == 1:
        return RedirectResponse(loc.href(f"/report/{tps[0]}"), status_code=303)
    return page(request, loc, "report_pick.html", tps=tps, actor=actor)


@router.get("/report/sw.js")
def service_worker(_a: Annotated[Actor, Depends(requires("session.login"))]) -> Response:
    from rekap.web.pages.render import STATIC

    body = (STATIC / "sw.js").read_bytes()
    return Response(body, media_type="text/javascript", headers={"Cache-Control": "no-cache"})


@router.get("/report/receipt.svg")
def receipt_qr(
    _a: Reporting,
    seq: Annotated[int, Query(ge=1)],
    hash: Annotated[str, Query(pattern="^[0-9a-f]{64}$")],
) -> Response:
    """A receipt's QR (log seq and entry hash) to show the witnesses at the TPS."""
    buf = io.BytesIO()
    segno.make(f"rekap:{seq}:{hash}", error="m").save(buf, kind="svg", scale=4, xmldecl=False)
    svg = buf.getvalue()
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "private, max-age=31536000"})


ReportingHere = Annotated[Actor, Depends(requires("result.submit", target="tps_code"))]


@router.get("/report/{tps_code}")
def report_form(request: Request, tps_code: str, svc: ServicesDep, loc: LocaleDep, actor: ReportingHere) -> Response:
    grant = grant_for(actor, "result.submit", tps_code)
    assert grant is not None  # requires() checked it
    detail = svc.tps.detail(tps_code)  # NotFound for an unknown TPS
    counted = _counted(detail) if may(actor, "result.correct", tps_code) else {}
    return page(
        request,
        loc,
        "report.html",
        tps=detail,
        contests=contests_of(svc, detail.kelurahan.code),
        fields=REPORT_FIELDS,
        grant=grant,
        counted={
            c: (s, source_label(s.source, s.verified, loc), sorted((int(n), v) for n, v in s.result["votes"].items()))
            for c, s in counted.items()
        },
        texts=_texts(loc),
        data_url=f"/report/{tps_code}/data.json",
        max_side=svc.photo_max_side,
        duty=may(actor, "health.report", tps_code),
    )


def _counted(detail: TpsView) -> dict[str, SubmissionView]:
    """Each contest's accepted submission: what a correction from this form corrects."""
    return {r.contest: s for r in detail.results for s in r.submissions if s.accepted}


def _texts(loc: Locale) -> dict[str, dict[str, str]]:
    """The rules' sentences and the form's words, for the script that checks as the officer types."""

    def group(prefix: str) -> dict[str, str]:
        return {k.removeprefix(prefix): v for k, v in loc.messages.items() if k.startswith(prefix)}

    return {"rules": group("rule."), "ui": group("people.js."), "fields": group("field.")}


@router.get("/report/{tps_code}/data.json")
def report_data(tps_code: str, svc: ServicesDep, actor: ReportingHere) -> Response:
    """What the form needs offline: the TPS, its contests with candidates in ballot order, the rules as data."""
    grant = grant_for(actor, "result.submit", tps_code)
    assert grant is not None  # requires() checked it
    detail = svc.tps.detail(tps_code)
    people, _ = _people(svc)
    locked = people.locked()
    counted = _counted(detail) if may(actor, "result.correct", tps_code) else {}
    body = {
        "tps": {"code": tps_code, "dpt": detail.dpt, "number": detail.number, "kelurahan": detail.kelurahan.name},
        "grant": {"id": grant.id, "role": grant.role, "candidate": grant.candidate},
        # whether this person's reports must carry a C1 photo (REKAP_REQUIRE_PHOTO_FROM), checked before sending
        "photo_required": SOURCE_OF_ROLE.get(grant.role) in svc.submissions.photo_required,
        "contests": [
            {
                "id": c.id,
                "name": c.name,
                "locked": c.id in locked,
                # the counted result, which a correction from this form corrects (None: nothing counted yet)
                "counted": {"seq": counted[c.id].seq, "result": counted[c.id].result} if c.id in counted else None,
                "candidates": [{"number": k.number, "names": k.names} for k in c.candidates],
                "facts": svc.submissions.facts(tps_code, c.id),  # the rules' `tps.…` terms in this contest
            }
            for c in contests_of(svc, detail.kelurahan.code)
        ],
        "rules": rules_as_data(),
    }
    return Response(orjson.dumps(body), media_type="application/json", headers={"Cache-Control": "no-store"})


# --- the operator console ----------------------------------------------------------------------------------


@router.get("/console")
def console(request: Request, svc: ServicesDep, loc: LocaleDep, actor: Managing) -> Response:
    people, _ = _people(svc)
    rows = people.in_scope(actor)
    contests = svc.contests.all()
    locked = people.locked()
    kelurahan = sorted({r["scope"].split("-")[0] for r in rows if "-" in r["scope"]})
    return page(
        request,
        loc,
        "console.html",
        actor=actor,
        people=rows,
        contests=contests,
        locked=locked,
        kelurahan=kelurahan,
        can_manage=may(actor, "people.manage", None),
        can_correct=may(actor, "result.correct", None),
        message=None,
    )


def _sheet(request: Request, loc: Locale, issued: list[Any], base: str) -> Response:
    cards = []
    for i in issued:
        url = f"{base}/activate?code={i.code}"
        qr = segno.make(url, error="m").svg_inline(scale=3, dark="#000", light="#fff")
        cards.append({"issued": i, "url": url, "qr": qr})
    return page(request, loc, "sheet.html", cards=cards)


@router.post("/console/import")
async def console_import(
    request: Request, svc: ServicesDep, loc: LocaleDep, actor: Manage, file: Annotated[UploadFile, File()]
) -> Response:
    people, _ = _people(svc)
    text = (await file.read()).decode("utf-8-sig", errors="replace")
    try:
        issued = await run_in_threadpool(people.import_officers, actor, text)
    except RekapError as err:
        errors = err.extra.get("errors", [err.detail])
        return page(request, loc, "import_errors.html", status=err.status, errors=errors)
    return _sheet(request, loc, issued, str(request.base_url).rstrip("/"))


@router.post("/console/codes")
async def console_codes(
    request: Request, svc: ServicesDep, loc: LocaleDep, actor: Manage, user: Annotated[list[str], Form()]
) -> Response:
    people, _ = _people(svc)
    issued = await run_in_threadpool(people.reissue, actor, user)
    return _sheet(request, loc, issued, str(request.base_url).rstrip("/"))


@router.post("/console/deactivate")
async def console_deactivate(
    svc: ServicesDep, loc: LocaleDep, actor: Manage, user: Annotated[str, Form(max_length=40)]
) -> Response:
    people, _ = _people(svc)
    await run_in_threadpool(people.deactivate, actor, user)
    return RedirectResponse(loc.href("/console"), status_code=303)


@router.post("/console/revoke")
async def console_revoke(
    svc: ServicesDep, loc: LocaleDep, actor: Manage, grant: Annotated[str, Form(max_length=40)]
) -> Response:
    people, _ = _people(svc)
    await run_in_threadpool(people.revoke, actor, grant)
    return RedirectResponse(loc.href("/console"), status_code=303)


@router.post("/console/lock")
async def console_lock(
    svc: ServicesDep,
    loc: LocaleDep,
    actor: Locking,
    contest: Annotated[str, Form(max_length=80)],
    locked: Annotated[str, Form(max_length=1)] = "1",
) -> Response:
    people, _ = _people(svc)
    await run_in_threadpool(people.lock, actor, contest, locked == "1")
    return RedirectResponse(loc.href("/console"), status_code=303)


@router.get("/console/calls/{kelurahan}")
def console_calls(
    request: Request,
    kelurahan: str,
    svc: ServicesDep,
    loc: LocaleDep,
    actor: Annotated[Actor, Depends(requires("calls.read", target="kelurahan"))],
) -> Response:
    """Who has reported and who has not in one kelurahan, with the phone numbers to call (internal)."""
    people, _ = _people(svc)
    officers = people.officers_of(actor, kelurahan)
    region = svc.regions.get(kelurahan)
    tables = []
    for c in contests_of(svc, kelurahan):
        rows: list[dict[str, Any]] = [
            {"tps": t, "people": officers.get(t.code, [])} for t in svc.tps.kelurahan(c.id, kelurahan)
        ]
        tables.append({"contest": c, "rows": rows, "missing": sum(1 for r in rows if r["tps"].status == "not_in")})
    return page(request, loc, "calls.html", region=region, tables=tables,
                can_correct=may(actor, "result.correct", kelurahan))  # fmt: skip


def contests_of(svc: Services, kelurahan: str) -> list[Any]:
    return [c for c in svc.contests.all() if is_within(kelurahan, c.scope)]


#: the C1's count fields in the order of the paper form: voters (A), ballots (B), then votes and their sums (C)
REPORT_FIELDS = (("dpt", "dptb", "dpk", "voters"), ("used", "unused", "damaged"), ("valid", "invalid"))
