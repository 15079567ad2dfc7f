"""The server under test: rekap's app exactly as `rekap serve --workers N` builds it, plus one static-bytes
route that is the baseline of the read benchmark (same process, same Uvicorn, same middleware)."""

from __future__ import annotations

from fastapi import FastAPI, Response

from rekap.bootstrap import Rekap, web_app

#: About the size of a national totals answer, so the baseline moves as many bytes.
STATIC = b'{"static":"' + b"x" * 1800 + b'"}'


def create(rekap: Rekap | None = None) -> FastAPI:
    app = web_app(rekap)

    @app.get("/bench/static", include_in_schema=False)
    async def static() -> Response:  # on the event loop, like rekap's public reads: no threadpool hop
        return Response(STATIC, media_type="application/json")

    return app
