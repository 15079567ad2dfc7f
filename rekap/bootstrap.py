"""Composition root: Settings → database → context (ledger, photos, bus) → web app."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI

from rekap.domain.errors import InvalidInput
from rekap.services.context import Context
from rekap.settings import Settings
from rekap.store.db import connect, is_initialised, migrate


def open_context(settings: Settings, *, create: bool = True) -> Context:
    """Connect and migrate (creating the database if `create`), and hand back the context of use cases."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = connect(settings.db_url)
    if create:
        migrate(db)
    elif not is_initialised(db):
        db.dispose()
        raise InvalidInput(f"no rekap database at {settings.db_url}; run `rekap init` first", field="db")
    return Context.open(settings, db)


def build_app(ctx: Context, on_start: tuple[Callable[[], None], ...] = ()) -> FastAPI:
    from rekap.web.app import create_app

    return create_app(ctx, on_start)


def app_from_env() -> FastAPI:
    """App factory for `uvicorn --factory` and multi-worker serving: each worker builds its own context
    from the REKAP_* environment (the database must then be PostgreSQL, shared by all workers)."""
    return build_app(open_context(Settings.from_env(), create=False))
