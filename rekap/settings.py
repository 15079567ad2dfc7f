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
    #: the secret of the voter register's NIK hashes: a file outside the database (default <data>/register.key)
    register_key_file: Path | None = None
    #: hours of continuous duty after which an officer's health coordinator is alerted
    health_hours_limit: int = 12
    #: days officers' health data is kept before `rekap purge health` deletes it
    health_retention_days: int = 30

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'rekap.sqlite3').resolve()}"

    @property
    def register_key(self) -> Path:
        return self.register_key_file or self.data_dir / "register.key"

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
        register_key = env.get("REKAP_REGISTER_KEY_FILE")
        return cls(
            data_dir=Path(data_dir or env.get("REKAP_DATA_DIR") or "rekap-data"),
            database_url=db or env.get("REKAP_DATABASE_URL", ""),
            rejecting_sources=(
                frozenset(s.strip() for s in rejecting.split(",") if s.strip())
                if rejecting is not None
                else DEFAULT_REJECTING_SOURCES
            ),
            writer_socket=Path(writer) if writer else None,
            register_key_file=Path(register_key) if register_key else None,
            health_hours_limit=int(env.get("REKAP_HEALTH_HOURS_LIMIT") or 12),
            health_retention_days=int(env.get("REKAP_HEALTH_RETENTION_DAYS") or 30),
        )
