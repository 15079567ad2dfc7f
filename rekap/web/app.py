"""The FastAPI application: JSON API under /api/v1, public pages, problem+json errors."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.middleware.gzip import GZipMiddleware

from rekap.services.context import Context
from rekap.store.follower import Follower
from rekap.store.ledger import settle_heap
from rekap.web import problems
from rekap.web.api import admin, events, photos, public, submissions
from rekap.web.cache import AnswerCache
from rekap.web.pages import routes as pages


def create_app(ctx: Context, on_start: tuple[Callable[[], None], ...] = ()) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        ctx.ledger.state  # noqa: B018 - fold the log before the first request, not during it
        ctx.board.structure  # noqa: B018 - and copy the read model, which a first read would do on the event loop
        settle_heap()
        # the follower's thread folds other processes' entries: hand the GIL back to the event loop every
        # millisecond rather than every 5 (the default), for readers' tail latency (BENCHMARKS.md: p99 83 → 66 ms)
        sys.setswitchinterval(0.001)
        follower = Follower(ctx.ledger)
        follower.start()
        for fn in on_start:
            fn()
        yield
        follower.stop()
        if ctx.writer is not None:
            await ctx.writer.close()
        if ctx.async_reads is not None:
            await ctx.async_reads.close()

    app = FastAPI(
        title="rekap",
        version="1",
        summary="Election real count: TPS results with C1 photos, a hash-chained log, live totals at every tier.",
        docs_url="/docs",
        openapi_url="/openapi.json",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    app.state.answers = AnswerCache()
    problems.install(app)
    for router in (public.router, events.router, photos.router, submissions.router, admin.router, pages.router):
        app.include_router(router)
    pages.mount_static(app)
    app.add_middleware(GZipMiddleware, minimum_size=1000)  # skips text/event-stream
    if ctx.settings.simulated:

        @app.middleware("http")
        async def label_simulated(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
            response = await call_next(request)
            response.headers["X-Rekap-Simulated"] = "true"  # every answer of a demo says it is not real
            return response

    return app
