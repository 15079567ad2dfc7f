"""What routes depend on, as types: the use cases the web serves, the calling token, cacheable answers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Request, Response
from fastapi.concurrency import run_in_threadpool

from rekap.domain.errors import Forbidden
from rekap.log.commits import Listener
from rekap.services.committees import Committees
from rekap.services.compare import SourceComparison
from rekap.services.confirmations import Confirmations
from rekap.services.contests import Contests
from rekap.services.directory import Directory
from rekap.services.finder import TpsFinder
from rekap.services.health import OfficerHealth
from rekap.services.people import People
from rekap.services.photos import Photos
from rekap.services.problems import Problems
from rekap.services.public_log import PublicLog
from rekap.services.real_count import RealCount
from rekap.services.recaps import Recaps
from rekap.services.regions import Regions
from rekap.services.register import VoterRegister
from rekap.services.schedule import Schedule
from rekap.services.sessions import Sessions
from rekap.services.streams import Streams
from rekap.services.submissions import Submissions
from rekap.services.throttles import FailedAttempts
from rekap.services.tokens import TokenInfo, Tokens
from rekap.services.tps_results import TpsResults
from rekap.services.views import json_of
from rekap.web.cache import Answer, representation
from rekap.web.front import Front


@dataclass(frozen=True)
class Services:
    """The use cases the web layer calls, built by the composition root (rekap/bootstrap.py)."""

    contests: Contests
    regions: Regions
    real_count: RealCount
    tps: TpsResults
    log: PublicLog
    submissions: Submissions
    tokens: Tokens
    photos: Photos
    streams: Streams
    subscribe: Callable[[Listener], Callable[[], None]]  # to hear of every commit (live pages)
    simulated: bool = False
    recaps: Recaps | None = None  # the tiered recapitulation (D-forms)
    problems: Problems | None = None  # lists of the problem TPS below a region
    confirmations: Confirmations | None = None
    compare: SourceComparison | None = None
    people: People | None = None
    sessions: Sessions | None = None
    public: bool = True  # False: internal-only mode, nothing without a login
    photo_max_side: int = 2000
    directory: Directory | None = None
    schedule: Schedule | None = None
    committees: Committees | None = None
    finder: TpsFinder | None = None
    register: VoterRegister | None = None
    health: OfficerHealth | None = None
    attempts: FailedAttempts | None = None  # failed token checks, counted for every worker


def services_of(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


async def _services(request: Request) -> Services:
    # async: FastAPI runs a plain-def dependency in the threadpool, a thread hop on every request
    return services_of(request)


ServicesDep = Annotated[Services, Depends(_services)]


async def _recaps(request: Request) -> Recaps:
    recaps = services_of(request).recaps
    assert recaps is not None, "the composition root wires the recaps"
    return recaps


RecapsDep = Annotated[Recaps, Depends(_recaps)]


async def _problems(request: Request) -> Problems:
    problems = services_of(request).problems
    assert problems is not None, "the composition root wires the problem lists"
    return problems


ProblemsDep = Annotated[Problems, Depends(_problems)]


async def get_token(svc: ServicesDep, authorization: Annotated[str | None, Header()] = None) -> TokenInfo:
    secret = None
    if authorization and authorization.lower().startswith("bearer "):
        secret = authorization[7:].strip()
    # a token this process knows costs no database read, so no thread either
    known = svc.tokens.known(secret)
    return known if known is not None else await run_in_threadpool(svc.tokens.authenticate, secret)


TokenDep = Annotated[TokenInfo, Depends(get_token)]


def get_admin(token: TokenDep) -> TokenInfo:
    if token.role != "admin":
        raise Forbidden("this needs an admin token", field="Authorization")
    return token


AdminDep = Annotated[TokenInfo, Depends(get_admin)]


def etagged(
    request: Request,
    body: bytes | Answer,
    media_type: str,
    max_age: int = 2,
    extra_headers: dict[str, str] | None = None,
    unchanged: Callable[[], bool] | None = None,
) -> Response:
    """A public answer with an ETag; the same for every anonymous reader, so a CDN may keep it. A cached answer
    goes out gzipped from its cached compressed copy (GZipMiddleware leaves an encoded response alone) and is kept
    by the front copy (`web/front.py`) for the next reader of the same URL."""
    cached = isinstance(body, Answer)
    answer = body if isinstance(body, Answer) else Answer.of(body)
    private = getattr(request.state, "private", False)
    extra = extra_headers or {}
    shaped = representation(
        answer, _accepts_gzip(request), request.headers.get("if-none-match", ""), max_age, extra, private, cached
    )
    front: Front | None = getattr(request.app.state, "front", None)
    if cached and not private and front is not None:
        front.keep(request.scope, answer, media_type, max_age, extra, unchanged)
    if shaped.status == 304:
        return Response(status_code=304, headers=shaped.headers)
    return Response(shaped.body, media_type=media_type, headers=shaped.headers)


def _accepts_gzip(request: Request) -> bool:
    return "gzip" in request.headers.get("accept-encoding", "")


def public_json(
    request: Request, data: Any, max_age: int = 2, kind: Any = None, exclude_none: bool = False
) -> Response:
    """A view (or `kind` of views) as a public JSON answer."""
    return etagged(request, json_of(data, kind, exclude_none=exclude_none), "application/json", max_age)
