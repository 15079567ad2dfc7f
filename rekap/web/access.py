"""Who is asking, and may they: the session cookie or bearer token of a request as an Actor, the one dependency
that names a route's permission (`requires("people.manage")`), and CSRF tokens for forms.

Every route declares its action with `requires`; tests/test_authz_matrix.py walks the route table and fails on a
route that declares none."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse

from rekap.domain.errors import CsrfFailed, Forbidden, TooManyAttempts, Unauthorized
from rekap.domain.grants import Grant
from rekap.domain.people import PERMISSIONS, Actor, grant_for, may
from rekap.web import problems
from rekap.web.deps import services_of

SESSION_COOKIE = "rk_session"
CSRF_COOKIE = "rk_csrf"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"


class LoginRequired(Unauthorized):
    """No login where one is needed: a page goes to /login, the API answers 401."""


def token_actor(token_id: str, role: str, scope: str, candidate: int | None) -> Actor:
    return Actor(f"token:{token_id}", (Grant(token_id, f"token:{token_id}", role, scope, candidate),))


async def actor_of(request: Request) -> Actor:
    """The caller as an Actor: a bearer token, else a session cookie, else anonymous (remembered per request)."""
    cached: Actor | None = getattr(request.state, "actor", None)
    if cached is not None:
        return cached
    svc = services_of(request)
    actor = Actor.anonymous()
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        secret = auth[7:].strip()
        info = svc.tokens.known(secret)
        if info is None:
            info = await run_in_threadpool(svc.tokens.authenticate, secret)
        actor = token_actor(info.id, info.role, info.scope, info.candidate)
        request.state.token = info
    elif request.cookies.get(SESSION_COOKIE) and svc.sessions is not None:
        found = await run_in_threadpool(svc.sessions.actor_of, request.cookies[SESSION_COOKIE])
        if found is not None:
            actor = found
    request.state.actor = actor
    return actor


class Requires:
    """A route's permission. With `target`, the path parameter that names the region or TPS it acts on."""

    def __init__(self, action: str, target: str | None = None) -> None:
        if action not in PERMISSIONS:
            raise ValueError(f"no permission {action!r} in rekap/domain/people.py PERMISSIONS")
        self.action, self.target = action, target

    async def __call__(self, request: Request) -> Actor:
        svc = services_of(request)
        perm = PERMISSIONS[self.action]
        if perm.anonymous and svc.public and request.method in ("GET", "HEAD"):
            return Actor.anonymous()  # a public read: no session lookup, the same answer for everyone
        actor = await actor_of(request)
        if actor.logged_in or not svc.public:
            request.state.private = True
        target = request.path_params.get(self.target) if self.target else None
        if may(actor, self.action, target, public=svc.public):
            # a browser's write: cookies alone must not be enough. An anonymous public action (find my TPS) has no
            # session to ride on, so nothing to forge; the login form keeps its token (login CSRF)
            anonymous_public = not actor.logged_in and perm.anonymous and not perm.always
            if request.method not in ("GET", "HEAD") and not hasattr(request.state, "token") and not anonymous_public:
                await check_csrf(request)
            return actor
        if not actor.logged_in:
            raise LoginRequired("log in first", field="Authorization")
        raise Forbidden(f"your role does not allow {self.action}" + (f" in {target}" if target else ""))


def requires(action: str, target: str | None = None) -> Requires:
    return Requires(action, target)


@dataclass(frozen=True, slots=True)
class Acting:
    """Who acts on an internal route, and under which grant: the name the log and the internal rows give them
    (never a person's name), the grant's role and the region or TPS it covers."""

    actor: str
    role: str
    scope: str


def requires_grant(action: str) -> Any:
    """`Depends` on `requires(action)` that gives the route the grant the caller acts under (`grant_for` chooses:
    the widest, for these actions with no particular place)."""
    allowed = requires(action)

    # a default, not Annotated: with postponed annotations FastAPI could not see this local `allowed`
    async def acting(actor: Actor = Depends(allowed)) -> Acting:
        grant = grant_for(actor, action, None)
        if grant is None:  # an anonymous public action has no grant: not one for a route that needs one
            raise Forbidden(f"none of your grants allows {action}", field="Authorization")
        return Acting(actor_name(actor), grant.role, grant.scope)

    return Depends(acting)


def actor_name(actor: Actor) -> str:
    """How the log and the photo rows name who acted: a token's id, or a person's id (never a name)."""
    user = actor.user or "anonymous"
    return user if user.startswith("token:") else f"user:{user}"


def grant_or_403(actor: Actor, action: str, target: str | None, field: str = "tps") -> Grant:
    """The grant the caller does `action` to `target` under (`grant_for` chooses), or 403."""
    grant = grant_for(actor, action, target)
    if grant is None:
        raise Forbidden(f"none of your grants allows {action}" + (f" in {target}" if target else ""), field=field)
    return grant


# --- CSRF: a random token in a cookie and the same in each form (or header) it sends -------------------------


def csrf_token(request: Request) -> str:
    """The form token of this browser (a new one if it has none; `set_csrf` then sets the cookie)."""
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if not token:
        token = request.state.new_csrf = secrets.token_urlsafe(24)
    return str(token)


def set_csrf(request: Request, response: Response) -> None:
    new = getattr(request.state, "new_csrf", None)
    if new:
        response.set_cookie(CSRF_COOKIE, new, httponly=True, samesite="lax", secure=behind_tls(request), path="/")


async def check_csrf(request: Request, form_value: str | None = None) -> None:
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = form_value if form_value is not None else request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        sent = str((await request.form()).get(CSRF_FIELD) or "")
    if not cookie or not sent or not hmac.compare_digest(cookie, sent):
        raise CsrfFailed("this form is stale or was not sent from rekap: reload the page and send it again")


def behind_tls(request: Request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto", "") == "https"


def set_session(request: Request, response: Response, secret: str) -> None:
    response.set_cookie(SESSION_COOKIE, secret, httponly=True, samesite="lax", secure=behind_tls(request), path="/")


def forget_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def install(app: FastAPI) -> None:
    """A page asked for without a login goes to the login form; the API keeps its 401 problem."""

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, err: LoginRequired) -> Response:
        if request.method == "GET" and not request.url.path.startswith("/api/"):
            nxt = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(nxt, safe='/')}", 303, {"Cache-Control": "no-store"})
        return problems.from_error(err)

    @app.exception_handler(TooManyAttempts)
    async def _too_many(_request: Request, err: TooManyAttempts) -> Response:
        resp = problems.from_error(err)
        resp.headers["Retry-After"] = str(err.extra.get("retry_after", 60))
        return resp
