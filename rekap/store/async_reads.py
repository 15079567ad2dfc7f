"""A few psycopg connections on a worker's event loop, for the one public read that needs the database (a TPS
page's history, PostgreSQL only).

In a thread the query would wait for the GIL at every step while the event loop and the follower hold it: under
ingest that made a cold TPS page's p99 about 100 ms (BENCHMARKS.md). On the loop, the wait for the server is a
plain await and the Python part runs in one go.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import psycopg
from psycopg.rows import namedtuple_row

from rekap.store.db import libpq_dsn

SIZE = 4  # connections per event loop: a TPS query takes a millisecond or two


class AsyncReads:
    def __init__(self, url: str) -> None:
        self.dsn = libpq_dsn(url)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._idle: asyncio.Queue[psycopg.AsyncConnection[Any]] = asyncio.Queue()
        self._opened = 0

    async def fetch(self, sql: str, params: Mapping[str, Any]) -> list[Any]:
        """The rows of one query, as named tuples (attribute access, like SQLAlchemy's rows)."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # connections belong to the loop that opened them
            self._loop, self._idle, self._opened = loop, asyncio.Queue(), 0
        try:
            return await self._once(sql, params)
        except psycopg.OperationalError:  # the server dropped it (a restart, a failover): so the idle ones too
            await self.close()
            return await self._once(sql, params)

    async def _once(self, sql: str, params: Mapping[str, Any]) -> list[Any]:
        conn = await self._take()
        try:
            async with conn.cursor() as cur:
                await cur.execute(sql, params)  # type: ignore[arg-type]
                rows = await cur.fetchall()
        except BaseException:
            self._opened -= 1  # a broken or interrupted connection is not given back
            await conn.close()
            raise
        self._idle.put_nowait(conn)
        return rows

    async def _take(self) -> psycopg.AsyncConnection[Any]:
        if self._idle.empty() and self._opened < SIZE:
            self._opened += 1
            try:
                return await psycopg.AsyncConnection.connect(self.dsn, autocommit=True, row_factory=namedtuple_row)
            except BaseException:
                self._opened -= 1
                raise
        return await self._idle.get()

    async def close(self) -> None:
        """Close the idle connections (those in use are closed or given back by their queries)."""
        while not self._idle.empty():
            self._opened -= 1
            await self._idle.get_nowait().close()
