"""What every request passes before a route sees it: the token of a write checked before its body is read, every
body capped and refused early (413), a crowd's repeated public reads answered from the front copy (`front.py`),
reads beyond a limit refused fast (503, never a submission), HEAD answered like GET, security headers on every
answer and one access-log line per request.

A pure ASGI middleware (not Starlette's BaseHTTPMiddleware, which copies every answer through a queue).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass

from fastapi.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rekap.domain.errors import BodyTooLarge, BodyTooSlow, Busy, PhotoTooLarge, RekapError, Unauthorized
from rekap.services.tokens import Tokens
from rekap.web.access import SESSION_COOKIE
from rekap.web.cache import Representation
from rekap.web.front import Front
from rekap.web.multipart import is_form_data
from rekap.web.problems import from_error
from rekap.web.throttle import AuthThrottle

access = logging.getLogger("rekap.access")

#: writes that need a bearer token: it is checked (and its failures throttled) before the body is read
BEARER_FIRST = ("/api/v1/submissions", "/api/v1/photos/", "/api/v1/admin/")
PHOTO_PATHS = ("/api/v1/photos/",)
PHOTOS_WORTH_IN_ONE_REQUEST = 4
SUBMISSIONS = "/api/v1/submissions"  # as multipart/form-data, a result with its photos
#: long-lived answers that are not counted against the read limit (each holds a connection, not a worker)
STREAMS = ("/api/v1/events",)
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# 'unsafe-inline' for styles only: the pages colour bars and maps by style attributes that live updates set
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"SAMEORIGIN"),
]
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


@dataclass(frozen=True)
class WebLimits:
    """The bounds of the web server (from Settings, via the composition root)."""

    max_body_bytes: int = 64 * 1024  # a JSON body: a submission is a few KB
    max_photo_bytes: int = 15 * 1024 * 1024
    max_reads: int = 512  # reads answered at once by one worker; beyond, a fast 503
    auth_failures: int = 20  # failed token checks per address or token prefix per window
    auth_window: float = 60.0
    access_log: bool = True
    body_timeout: float = 30.0  # seconds a request body may pause between two chunks

    @property
    def max_submission_with_photos_bytes(self) -> int:
        """A result sent with its photos: four photos' worth of the photo cap (a C1's sheets from a phone are a few
        MB each; held in memory while it is checked, so not MAX_PHOTOS × 15 MB from one request — more or larger
        photos go up by PUT first), and the JSON (with the parts' headers) up to the JSON cap."""
        return self.max_photo_bytes * PHOTOS_WORTH_IN_ONE_REQUEST + self.max_body_bytes

    def body_cap(self, path: str, content_type: str | None) -> tuple[int, type[RekapError]]:
        """How large a body this request may send, and the refusal beyond it."""
        if path.startswith(PHOTO_PATHS):
            return self.max_photo_bytes, PhotoTooLarge
        if path == SUBMISSIONS and is_form_data(content_type):
            return self.max_submission_with_photos_bytes, BodyTooLarge
        return self.max_body_bytes, BodyTooLarge


class Guard:
    def __init__(
        self,
        app: ASGIApp,
        tokens: Tokens,
        limits: WebLimits,
        throttle: AuthThrottle,
        simulated: bool = False,
        front: Front | None = None,
    ) -> None:
        self.app, self.tokens, self.limits, self.throttle, self.front = app, tokens, limits, throttle, front
        self.headers = [*SECURITY_HEADERS, *([(b"x-rekap-simulated", b"true")] if simulated else [])]
        self.reads_in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [0]
        head = scope["method"] == "HEAD"
        if head:
            scope = dict(scope, method="GET")
        https = scope.get("scheme") == "https"

        async def send_guarded(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                headers = [*message.get("headers", []), *self.headers]
                if https:
                    headers.append(HSTS)
                message = dict(message, headers=headers)
            elif message["type"] == "http.response.body" and head:
                message = dict(message, body=b"")
            await send(message)

        try:
            await self._dispatch(scope, receive, send_guarded)
        except asyncio.CancelledError:
            if not scope["path"].startswith(STREAMS):
                raise
            # an open live stream cut by the server's shutdown (Ctrl+C with a page open): its end, not an error
            if status[0]:
                with contextlib.suppress(Exception):
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            if self.limits.access_log:
                client = (scope.get("client") or ("-",))[0]
                ms = (time.perf_counter() - started) * 1000
                access.info("%s %s %s %d %.1fms", client, "HEAD" if head else scope["method"], scope["path"],
                            status[0], ms)  # fmt: skip

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        if scope["method"] == "GET" and self.front is not None:
            kept = self.front.answer(scope)
            if kept is not None:  # a crowd's repeat: no routing, no thread, no read slot
                await _send(send, *kept)
                return
            self.front.mark(scope)
        if scope["method"] not in BODY_METHODS:
            if path.startswith(STREAMS) or self.reads_in_flight < self.limits.max_reads:
                self.reads_in_flight += 1
                try:
                    await self.app(scope, receive, send)
                finally:
                    self.reads_in_flight -= 1
                return
            busy = Busy(f"more than {self.limits.max_reads} reads at once; retry in a moment", extra={"retry_after": 1})
            await from_error(busy)(scope, receive, send)
            return
        try:
            if path.startswith(BEARER_FIRST):
                await self._authenticate(scope)
            limit, too_large = self.limits.body_cap(path, _header(scope, b"content-type"))
            body = await self._read_body(scope, receive, limit, too_large, self.limits.body_timeout)
        except RekapError as err:
            await from_error(err)(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)

    async def _authenticate(self, scope: Scope) -> None:
        secret = _bearer(scope)
        if secret is None and _has_session(scope):
            return  # a person logged in: their session, grant and form token are checked by the route (web/access.py)
        if self.tokens.known(secret) is not None:
            return  # a token this process knows is neither counted nor throttled (a NAT shares addresses)
        keys = self.throttle.keys((scope.get("client") or ("-",))[0], secret)
        await run_in_threadpool(self.throttle.check, keys)  # the count is in the database, shared by every worker
        try:
            await run_in_threadpool(self.tokens.authenticate, secret)
        except Unauthorized:
            await run_in_threadpool(self.throttle.failed, keys)
            raise

    @staticmethod
    async def _read_body(
        scope: Scope, receive: Receive, limit: int, too_large: type[RekapError], timeout: float
    ) -> bytes:
        """The whole body, refused as soon as it is known to exceed `limit`: by its Content-Length before a byte
        is read, else by counting while it arrives (each chunk waits on the network, not on the event loop)."""
        declared = _header(scope, b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            raise too_large(f"{declared} bytes; at most {limit}", field="body")
        chunks: list[bytes] = []
        size = 0
        while True:
            try:
                message = await asyncio.wait_for(receive(), timeout)
            except TimeoutError:
                raise BodyTooSlow(f"no part of the body came for {timeout:g} s", field="body") from None
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise too_large(f"more than {limit} bytes", field="body")
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)


async def _send(send: Send, media_type: str, shaped: Representation) -> None:
    headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in shaped.headers.items()]
    if shaped.status != 304:
        headers += [(b"content-type", media_type.encode()), (b"content-length", str(len(shaped.body)).encode())]
    await send({"type": "http.response.start", "status": shaped.status, "headers": headers})
    await send({"type": "http.response.body", "body": shaped.body})


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body: the client's disconnect

    return replay


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _has_session(scope: Scope) -> bool:
    cookies = _header(scope, b"cookie") or ""
    return any(c.strip().startswith(SESSION_COOKIE + "=") for c in cookies.split(";"))


def _bearer(scope: Scope) -> str | None:
    auth = _header(scope, b"authorization")
    if auth and auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return None
