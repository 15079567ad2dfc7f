"""Typed dependencies for routes: the context of use cases, the calling token, cacheable answers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from rekap.domain.errors import Forbidden
from rekap.services.context import Context
from rekap.services.tokens import TokenInfo, authenticate, known_token
from rekap.web.cache import GZIP_FROM, Answer


def ctx_of(request: Request) -> Context:
    return request.app.state.ctx  # type: ignore[no-any-return]


async def _ctx(request: Request) -> Context:
    # async: FastAPI runs a plain-def dependency in the threadpool, a thread hop on every request
    return ctx_of(request)


CtxDep = Annotated[Context, Depends(_ctx)]


async def get_token(ctx: CtxDep, authorization: Annotated[str | None, Header()] = None) -> TokenInfo:
    secret = None
    if authorization and authorization.lower().startswith("bearer "):
        secret = authorization[7:].strip()
    # a token this process knows costs no database read, so no thread either
    known = known_token(ctx, secret)
    return known if known is not None else await run_in_threadpool(authenticate, ctx, secret)


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
) -> Response:
    """A public answer with an ETag; the same for every anonymous reader, so a CDN may keep it. A cached answer
    goes out gzipped from its cached compressed copy (GZipMiddleware leaves an encoded response alone)."""
    answer = body if isinstance(body, Answer) else Answer.of(body)
    zipped = isinstance(body, Answer) and len(answer.body) >= GZIP_FROM and _accepts_gzip(request)
    etag = answer.etag[:-1] + '-gz"' if zipped else answer.etag  # one ETag per representation
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={max_age}", "Vary": "Accept-Encoding"}
    headers.update(extra_headers or {})
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    if zipped:
        headers["Content-Encoding"] = "gzip"
        return Response(answer.gzipped(), media_type=media_type, headers=headers)
    return Response(answer.body, media_type=media_type, headers=headers)


def _accepts_gzip(request: Request) -> bool:
    return "gzip" in request.headers.get("accept-encoding", "")


def json_bytes(data: Any) -> bytes:
    if isinstance(data, BaseModel):  # pydantic's own serializer: several times faster than jsonable_encoder
        return data.model_dump_json().encode()
    return bytes(JSONResponse(jsonable_encoder(data)).body)


def public_json(request: Request, data: Any, max_age: int = 2) -> Response:
    return etagged(request, json_bytes(data), "application/json", max_age)
