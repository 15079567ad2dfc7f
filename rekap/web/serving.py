"""Running the server: one process, or several Uvicorn workers beside this machine's one log writer."""

from __future__ import annotations

import os
from functools import partial

import uvicorn

from rekap.domain.errors import InvalidInput
from rekap.services.context import Context
from rekap.services.submissions import write_result
from rekap.services.writer import log_writer
from rekap.web.app import create_app

APP_FACTORY = "rekap.bootstrap:app_from_env"


def serve(ctx: Context, host: str, port: int, workers: int = 1, factory: str = APP_FACTORY) -> None:
    """With one worker the app runs here and writes itself. With several (PostgreSQL only) each worker is a
    process of its own that builds its app with `factory` from the REKAP_* environment, and this process is
    the log writer they hand submissions to (rekap/services/writer.py)."""
    if workers == 1:
        uvicorn.run(create_app(ctx), host=host, port=port, log_level="warning", timeout_graceful_shutdown=2)
        return
    if ctx.db.is_sqlite:
        raise InvalidInput("several workers need PostgreSQL (--db postgresql://…)", field="workers")
    ctx.ledger.state  # noqa: B018 - fold the log before the workers hand anything over
    with log_writer(partial(write_result, ctx)) as writer:
        os.environ["REKAP_DATABASE_URL"] = ctx.settings.db_url
        os.environ["REKAP_DATA_DIR"] = str(ctx.settings.data_dir)
        os.environ["REKAP_WRITER_SOCKET"] = str(writer.path)
        uvicorn.run(
            factory,
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
            timeout_graceful_shutdown=2,
        )
