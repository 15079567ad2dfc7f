"""The FastAPI application: JSON API under /api/v1, public pages, live events, problem+json errors."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request, Response
from fastapi.middleware.gzip import GZipMiddleware

from rekap.web import access, problems, sse
from rekap.web.api import admin, compare, confirmations, health, info, photos, public, recaps, submissions
from rekap.web.cache import AnswerCache
from rekap.web.deps import Services
from rekap.web.pages import info as info_pages
from rekap.web.pages import recap_pages
from rekap.web.pages import routes as pages
from rekap.web.pages.people import router as people_router


def create_app(
    svc: Services,
    started: Callable[[], None] = lambda: None,
    stopping: Callable[[], Awaitable[None]] | None = None,
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
        docs_url="/docs",
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
                   info.router, health.router, people_router):  # fmt: skip
        app.include_router(router)  # each route names its own permission
    pages.mount_static(app)
    app.add_middleware(GZipMiddleware, minimum_size=1000)  # skips text/event-stream
    if svc.simulated:

        @app.middleware("http")
        async def label_simulated(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
            response = await call_next(request)
            response.headers["X-Rekap-Simulated"] = "true"  # every answer of a demo says it is not real
            return response

    return app
