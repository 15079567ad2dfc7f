"""The one Settings object of a rekap process, built once at start-up from the CLI and the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

#: Source kinds whose results are rejected (HTTP 422) when they break an arithmetic rule;
#: all other sources are accepted and flagged.
DEFAULT_REJECTING_SOURCES = frozenset({"officer"})


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("rekap-data")
    database_url: str = ""
    rejecting_sources: frozenset[str] = field(default=DEFAULT_REJECTING_SOURCES)
    max_photo_bytes: int = 15 * 1024 * 1024
    max_photo_pixels: int = 40_000_000
    simulated: bool = False
    #: where this machine's log writer listens (`rekap serve --workers N`); None: this process writes itself
    writer_socket: Path | None = None
    #: a JSON request body's cap (photos have max_photo_bytes); larger ones get a 413 before they are read
    max_body_bytes: int = 64 * 1024
    #: reads one worker answers at once; beyond, a fast 503 (submissions and photo uploads are never refused)
    max_reads: int = 512
    #: failed token checks per client address or token prefix in `auth_window` seconds, then 429
    auth_failures: int = 20
    auth_window: int = 60
    access_log: bool = True
    #: seconds a connection may take to send its request headers, or stay idle between requests (keep-alive)
    header_timeout: int = 10
    idle_timeout: int = 5
    #: the Ed25519 key that signs checkpoints of the log head; outside the database (default: in the data dir)
    checkpoint_key: Path | None = None

    @property
    def checkpoint_key_file(self) -> Path:
        return self.checkpoint_key or self.data_dir / "checkpoint.key"

    @property
    def checkpoints_dir(self) -> Path:
        """Where this instance keeps the checkpoints it published."""
        return self.data_dir / "checkpoints"

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'rekap.sqlite3').resolve()}"

    @property
    def photo_dir(self) -> Path:
        return self.data_dir / "photos"

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, *, db: str | None = None, data_dir: str | None = None
    ) -> Settings:
        """CLI flags win over REKAP_* variables, which win over defaults."""
        env = os.environ if env is None else env
        rejecting = env.get("REKAP_REJECT_INVALID_FROM")
        writer = env.get("REKAP_WRITER_SOCKET")
        return cls(
            data_dir=Path(data_dir or env.get("REKAP_DATA_DIR") or "rekap-data"),
            database_url=db or env.get("REKAP_DATABASE_URL", ""),
            rejecting_sources=(
                frozenset(s.strip() for s in rejecting.split(",") if s.strip())
                if rejecting is not None
                else DEFAULT_REJECTING_SOURCES
            ),
            writer_socket=Path(writer) if writer else None,
            max_body_bytes=int(env.get("REKAP_MAX_BODY_BYTES", 64 * 1024)),
            max_reads=int(env.get("REKAP_MAX_READS", 512)),
            auth_failures=int(env.get("REKAP_AUTH_FAILURES", 20)),
            auth_window=int(env.get("REKAP_AUTH_WINDOW", 60)),
            access_log=env.get("REKAP_ACCESS_LOG", "1").lower() not in ("0", "false", "no", "off"),
            header_timeout=int(env.get("REKAP_HEADER_TIMEOUT", 10)),
            idle_timeout=int(env.get("REKAP_IDLE_TIMEOUT", 5)),
            checkpoint_key=Path(env["REKAP_CHECKPOINT_KEY"]) if env.get("REKAP_CHECKPOINT_KEY") else None,
        )
