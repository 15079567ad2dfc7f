"""The FastAPI application: JSON API under /api/v1, public pages, live events, problem+json errors."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.middleware.gzip import GZipMiddleware

from rekap.web import problems, sse
from rekap.web.api import admin, health, info, photos, public, submissions
from rekap.web.cache import AnswerCache
from rekap.web.deps import Services
from rekap.web.pages import info as info_pages
from rekap.web.pages import routes as pages


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
    for router in (public.router, sse.router, photos.router, submissions.router, admin.router, pages.router):
        app.include_router(router)
    app.include_router(info.router)
    app.include_router(health.router)
    app.include_router(info_pages.router)
    pages.mount_static(app)
    app.add_middleware(GZipMiddleware, minimum_size=1000)  # skips text/event-stream
    if svc.simulated:

        @app.middleware("http")
        async def label_simulated(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
            response = await call_next(request)
            response.headers["X-Rekap-Simulated"] = "true"  # every answer of a demo says it is not real
            return response

    return app
