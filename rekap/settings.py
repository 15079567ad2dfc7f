"""The one Settings object of a rekap process, built once at start-up from the CLI and the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rekap.domain.errors import InvalidInput

#: Source kinds whose results are rejected (HTTP 422) when they break an arithmetic rule;
#: all other sources are accepted and flagged.
DEFAULT_REJECTING_SOURCES = frozenset({"officer"})
#: Source kinds whose results must come with at least one photo of the C1 (HTTP 422 otherwise).
DEFAULT_PHOTO_SOURCES = frozenset({"officer"})


def _kinds(raw: str | None, default: frozenset[str]) -> frozenset[str]:
    return frozenset(s.strip() for s in raw.split(",") if s.strip()) if raw is not None else default


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
    #: seconds between two checkpoints of the fold (a restart reads only the log after the last); 0: none
    checkpoint_seconds: float = 60.0
    #: False: internal-only mode (REKAP_PUBLIC=0), every page, API read, photo and event stream needs a login
    public: bool = True
    photo_required_from: frozenset[str] = field(default=DEFAULT_PHOTO_SOURCES)
    session_idle_seconds: int = 12 * 3600
    session_absolute_seconds: int = 3 * 86400
    activation_code_days: int = 14
    #: Argon2id memory per hash; lower only for tests
    argon2_memory_kib: int = 65536
    #: the field form downscales photos on the phone to at most this many pixels on the long side
    photo_max_side: int = 2000
    #: the secret of the voter register's NIK hashes: a file outside the database (default <data>/register.key)
    register_key_file: Path | None = None
    #: hours of continuous duty after which an officer's health coordinator is alerted
    health_hours_limit: int = 12
    #: days officers' health data is kept before `rekap purge health` deletes it
    health_retention_days: int = 30
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
    #: where photos are kept: "" (the data dir's photos/), another directory, or s3://bucket/prefix
    photo_store: str = ""
    #: an S3-compatible endpoint (MinIO, Ceph, …) for s3:// photo stores; credentials as for the AWS CLI
    s3_endpoint_url: str | None = None
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
    def register_key(self) -> Path:
        return self.register_key_file or self.data_dir / "register.key"

    @property
    def photo_dir(self) -> Path:
        return self.data_dir / "photos"

    @property
    def photo_target(self) -> str | Path:
        """s3://bucket/prefix or the directory of this instance's photos."""
        return self.photo_store or self.photo_dir

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
            checkpoint_seconds=_seconds(env, "REKAP_CHECKPOINT_SECONDS", 60.0),
            public=env.get("REKAP_PUBLIC", "1").strip().lower() not in ("0", "false", "no", "off"),
            photo_required_from=_kinds(env.get("REKAP_REQUIRE_PHOTO_FROM"), DEFAULT_PHOTO_SOURCES),
            session_idle_seconds=int(env.get("REKAP_SESSION_IDLE_SECONDS", 12 * 3600)),
            session_absolute_seconds=int(env.get("REKAP_SESSION_ABSOLUTE_SECONDS", 3 * 86400)),
            activation_code_days=int(env.get("REKAP_ACTIVATION_CODE_DAYS", 14)),
            argon2_memory_kib=int(env.get("REKAP_ARGON2_MEMORY_KIB", 65536)),
            photo_max_side=int(env.get("REKAP_PHOTO_MAX_SIDE", 2000)),
            register_key_file=Path(register_key) if register_key else None,
            health_hours_limit=int(env.get("REKAP_HEALTH_HOURS_LIMIT") or 12),
            health_retention_days=int(env.get("REKAP_HEALTH_RETENTION_DAYS") or 30),
            max_body_bytes=int(env.get("REKAP_MAX_BODY_BYTES", 64 * 1024)),
            max_reads=int(env.get("REKAP_MAX_READS", 512)),
            auth_failures=int(env.get("REKAP_AUTH_FAILURES", 20)),
            auth_window=int(env.get("REKAP_AUTH_WINDOW", 60)),
            access_log=env.get("REKAP_ACCESS_LOG", "1").lower() not in ("0", "false", "no", "off"),
            header_timeout=int(env.get("REKAP_HEADER_TIMEOUT", 10)),
            idle_timeout=int(env.get("REKAP_IDLE_TIMEOUT", 5)),
            checkpoint_key=Path(env["REKAP_CHECKPOINT_KEY"]) if env.get("REKAP_CHECKPOINT_KEY") else None,
            photo_store=env.get("REKAP_PHOTO_STORE", "").strip(),
            s3_endpoint_url=env.get("REKAP_S3_ENDPOINT_URL") or None,
        )

    @property
    def fold_checkpoint_dir(self) -> Path:
        """Where the fold's checkpoint is kept (a cache for restarts; not the signed checkpoints of the head)."""
        return self.data_dir / "fold"


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        raise InvalidInput(f"{name} must be a number of seconds, not {raw!r}", field=name) from None
    if value < 0:
        raise InvalidInput(f"{name} must be 0 (off) or more, not {raw!r}", field=name)
    return value
