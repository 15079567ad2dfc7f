"""Reads awaited on the event loop (PostgreSQL): a TPS page's query, and connections the server dropped."""

import asyncio

import psycopg
import pytest
from conftest import PG_ADMIN, TPS

from rekap.store.async_reads import SIZE, AsyncReads


@pytest.fixture
def pg_rekap(rekap, db_url):
    if db_url.startswith("sqlite"):
        pytest.skip("SQLite reads go to a thread")
    return rekap


def test_a_tps_page_on_the_loop_is_the_page_from_a_thread(pg_rekap):
    async def both():
        return await pg_rekap.tps.detail_async(TPS), await asyncio.to_thread(pg_rekap.tps.detail, TPS)

    on_loop, in_thread = asyncio.run(both())
    assert on_loop == in_thread and on_loop.code == TPS


def test_dropped_connections_are_opened_again(pg_rekap, db_url):
    reads = AsyncReads(pg_rekap.db.url)

    async def run():
        await asyncio.gather(*(reads.fetch("SELECT pg_sleep(0.05), 1 AS one", {}) for _ in range(SIZE * 2)))
        assert reads._opened == SIZE  # never more connections than SIZE, however many ask at once
        name = db_url.rsplit("/", 1)[1]
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:  # the server drops every idle one
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
        rows = await reads.fetch("SELECT 2 AS two", {})
        await reads.close()
        return rows

    assert [r.two for r in asyncio.run(run())] == [2]
