"""Throw-away PostgreSQL databases for one bench run, dropped afterwards whatever happens."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

ADMIN = os.environ.get("REKAP_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def _admin(sql: str) -> None:
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(sql)


def url_of(name: str) -> str:
    return ADMIN.rsplit("/", 1)[0] + "/" + name


@contextmanager
def throwaway_db(tag: str) -> Iterator[str]:
    name = f"rekap_bench_{tag}_{uuid.uuid4().hex[:8]}"
    _admin(f"CREATE DATABASE {name}")
    try:
        yield url_of(name)
    finally:
        _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def server_version() -> str:
    with psycopg.connect(ADMIN) as conn:
        return str(conn.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
