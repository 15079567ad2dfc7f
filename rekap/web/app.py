"""The FastAPI application: JSON API under /api/v1, public pages, live events, problem+json errors."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.middleware.gzip import GZipMiddleware

from rekap.web import access, docs, problems, sse
from rekap.web.api import admin, compare, confirmations, health, info, photos, public, recaps, submissions
from rekap.web.cache import AnswerCache
from rekap.web.deps import Services
from rekap.web.front import Front
from rekap.web.guard import Guard, WebLimits
from rekap.web.pages import duty as duty_pages
from rekap.web.pages import info as info_pages
from rekap.web.pages import recap_pages
from rekap.web.pages import routes as pages
from rekap.web.pages.people import router as people_router
from rekap.web.throttle import AuthThrottle


def create_app(
    svc: Services,
    started: Callable[[], None] = lambda: None,
    stopping: Callable[[], Awaitable[None]] | None = None,
    limits: WebLimits | None = None,
    throttle: AuthThrottle | None = None,
) -> FastAPI:
    """`started` runs before the first request is taken, `stopping` after the last (the composition root's)."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        started()
        yield
        if stopping is not None:
            await stopping()

    app = FastAPI(
        title="rekap",
        version="1",
        summary="Election real count: TPS results with C1 photos, a hash-chained log, live totals at every tier.",
        docs_url=None,  # served by rekap.web.docs, without a CDN
        openapi_url="/openapi.json",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.services = svc
    app.state.answers = AnswerCache()
    problems.install(app)
    access.install(app)
    public_read = [Depends(access.requires("public.read"))]  # every public read; a login in internal-only mode
    for router in (public.router, sse.router, compare.router, recap_pages.router, info_pages.router, pages.router):
        app.include_router(router, dependencies=public_read)
    for router in (photos.router, submissions.router, admin.router, confirmations.router, recaps.router,
                   info.router, health.router, people_router, duty_pages.router):  # fmt: skip
        app.include_router(router)  # each route names its own permission
    pages.mount_static(app)
    docs.install(app)
    app.add_middleware(GZipMiddleware, minimum_size=1000)  # skips text/event-stream
    limits = limits or WebLimits()
    app.state.limits = limits
    submissions.document_bodies(app)
    if throttle is None:
        assert svc.attempts is not None, "built by rekap/bootstrap.py"
        window = int(limits.auth_window)
        throttle = AuthThrottle(svc.attempts.throttle("token", limits.auth_failures, window, window))
    app.state.throttle = throttle
    # outermost: sees every request; it also labels every answer of a demo as not real (X-Rekap-Simulated)
    front = Front(lambda: svc.real_count.model.seq, svc.real_count.busy, access.SESSION_COOKIE) if svc.public else None
    app.state.front = front  # internal-only: every answer is someone's, none is kept
    app.add_middleware(
        Guard, tokens=svc.tokens, limits=limits, throttle=throttle, simulated=svc.simulated, front=front
    )
    return app
