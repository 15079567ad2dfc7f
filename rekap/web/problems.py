"""RFC 9457 problem+json answers with a stable `type` for every error rekap can give."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from rekap.domain.errors import ALL_ERRORS, RekapError

MEDIA_TYPE = "application/problem+json"


def problem_type(slug: str) -> str:
    return f"/problems/{slug}"


def problem(status: int, slug: str, title: str, detail: str, field: str | None = None, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {"type": problem_type(slug), "title": title, "status": status, "detail": detail}
    if field:
        body["field"] = field
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers={"Cache-Control": "no-store"})


def from_error(err: RekapError) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if err.status == 401 else None
    resp = problem(err.status, err.slug, err.title, err.detail, err.field, **err.extra)
    if headers:
        resp.headers.update(headers)
    if "retry_after" in err.extra:
        resp.headers["Retry-After"] = str(err.extra["retry_after"])
    return resp


_HTTP_SLUGS = {
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    413: ("too-large", "Request body too large"),
}


def install(app: FastAPI) -> None:
    @app.exception_handler(RekapError)
    async def _rekap_error(_req: Request, err: RekapError) -> JSONResponse:
        return from_error(err)

    @app.exception_handler(RequestValidationError)
    async def _validation(_req: Request, err: RequestValidationError) -> JSONResponse:
        first = err.errors()[0]
        loc = [str(p) for p in first["loc"] if p not in ("body", "query", "path", "header")]
        errors = [{"field": ".".join(str(p) for p in e["loc"][1:]), "message": e["msg"]} for e in err.errors()]
        return problem(422, "invalid-input", "Invalid input", first["msg"], ".".join(loc) or None, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_req: Request, err: StarletteHTTPException) -> JSONResponse:
        slug, title = _HTTP_SLUGS.get(err.status_code, ("http-error", "HTTP error"))
        return problem(err.status_code, slug, title, str(err.detail))

    @app.get("/problems/{slug}", include_in_schema=False)
    def describe(slug: str) -> JSONResponse:
        for cls in ALL_ERRORS:
            if cls.slug == slug:
                return JSONResponse(
                    {
                        "type": problem_type(slug),
                        "title": cls.title,
                        "status": cls.status,
                        "description": (cls.__doc__ or cls.title).strip(),
                    }
                )
        return problem(404, "not-found", "Not found", f"no problem type {slug!r}")
