"""Uvicorn's HTTP protocol with a header timeout, which Uvicorn lacks: a connection that sends nothing, or its
request line and headers a byte at a time, is closed after `header_timeout` seconds instead of holding a file
descriptor forever (3,500 such connections stayed open, and 1,100 idle ones took a server's every descriptor).
The idle time between requests is Uvicorn's keep-alive timeout; a slow body is cut by rekap.web.guard."""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

HEADER_TIMEOUT = 10.0


def with_header_timeout(seconds: float) -> type[HttpToolsProtocol]:
    class HeaderTimeoutProtocol(HttpToolsProtocol):
        header_timeout = seconds

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._header_timer: asyncio.TimerHandle | None = None

        def _arm(self) -> None:
            if self._header_timer is None:
                self._header_timer = self.loop.call_later(self.header_timeout, self._headers_too_slow)

        def _disarm(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _headers_too_slow(self) -> None:
            self._header_timer = None
            if not self.transport.is_closing():
                self.transport.close()

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()  # the first request's headers must come in time, or the connection goes

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._arm()  # a later request on a kept-alive connection: its headers, too

        def on_headers_complete(self) -> None:
            self._disarm()
            super().on_headers_complete()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

    return HeaderTimeoutProtocol
