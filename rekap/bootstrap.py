"""Composition root: Settings → database → log writer → services → web app. Every part of a rekap process is
built, subscribed to the log's commits and started here, and nowhere else."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI
from uvicorn.importer import import_from_string

from rekap.domain.errors import InvalidInput
from rekap.log.checkpoint import Checkpointer, Checkpoints, written
from rekap.log.follower import Follower
from rekap.log.handoff import WriterClient, log_writer
from rekap.log.heap import settle_heap
from rekap.log.rebuild import Rebuilt, rebuild
from rekap.log.writer import LogWriter
from rekap.services import export, verify
from rekap.services.checkpoints import Checkpoint, Signer, latest_kept
from rekap.services.committees import Committees
from rekap.services.compare import SourceComparison
from rekap.services.confirmations import Confirmations
from rekap.services.contests import Contests
from rekap.services.directory import Directory
from rekap.services.finder import TpsFinder
from rekap.services.health import HealthSweeper, OfficerHealth
from rekap.services.imports import Imports
from rekap.services.people import People, hasher
from rekap.services.photos import Photos
from rekap.services.problems import Problems
from rekap.services.public_log import PublicLog
from rekap.services.read_model import ReadModel
from rekap.services.real_count import RealCount
from rekap.services.recap_import import RecapImport
from rekap.services.recaps import Recaps
from rekap.services.regions import Regions
from rekap.services.register import RegisterKey, VoterRegister
from rekap.services.result_imports import ResultImports
from rekap.services.schedule import Schedule
from rekap.services.sessions import Sessions
from rekap.services.snapshots import Publisher
from rekap.services.streams import Streams
from rekap.services.submissions import Submissions
from rekap.services.throttles import FailedAttempts
from rekap.services.tokens import Tokens
from rekap.services.tps_history import TpsHistories
from rekap.services.tps_results import TpsResults
from rekap.settings import Settings
from rekap.store.async_reads import AsyncReads
from rekap.store.db import Database, connect, is_initialised, migrate
from rekap.store.photo_files import open_photo_store
from rekap.web import serving
from rekap.web.app import create_app
from rekap.web.deps import Services
from rekap.web.guard import WebLimits

Progress = Callable[[int, int], None]
#: "module:function" that builds the app: called with the instance in one process, with nothing in a worker
APP_FACTORY = "rekap.bootstrap:web_app"


class Rekap:
    """One rekap instance in this process: its database, its log writer and every use case, wired together."""

    def __init__(self, settings: Settings, db: Database, clock: Callable[[], int] | None = None) -> None:
        self.settings, self.db = settings, db
        self.clock = clock or (lambda: int(time.time()))
        self.checkpoints = Checkpoints(settings.fold_checkpoint_dir) if settings.checkpoint_seconds > 0 else None
        self.writer = LogWriter(db, self.checkpoints)
        self.files = open_photo_store(settings.photo_target, settings.s3_endpoint_url)
        self.read_model = ReadModel(self.writer)
        self.tokens = Tokens(self.writer, db)
        # the read model first: listeners that read it after a commit (live pages) then see the new numbers
        self.writer.feed.subscribe(self.read_model.heard)
        self.writer.feed.subscribe(self.tokens.heard)
        self.handoff = WriterClient(settings.writer_socket) if settings.writer_socket else None
        self.async_reads = None if db.is_sqlite else AsyncReads(db.url)
        self.contests = Contests(self.read_model, db)
        self.regions = Regions(self.read_model, db)
        self.real_count = RealCount(
            self.read_model, self.contests, db, settings.simulated, self.writer.entries_per_second
        )
        self.tps_histories = TpsHistories(self.writer, self.read_model)
        self.writer.feed.subscribe(self.tps_histories.heard)  # after the read model: it reads its TPS versions
        self.tps = TpsResults(self.read_model, db, self.async_reads, settings.simulated, self.tps_histories)
        self.signer = Signer(settings.checkpoint_key_file)
        self.public_log = PublicLog(db, self.signer)
        self.photos = Photos(db, self.files, settings.max_photo_bytes, settings.max_photo_pixels)
        self.submissions = Submissions(
            self.writer, db, settings.rejecting_sources, self.handoff, settings.photo_required_from, self.photos
        )
        self.people = People(
            self.writer, db, self.clock, hasher(settings.argon2_memory_kib), settings.activation_code_days
        )
        self.sessions = Sessions(
            db, self.people, self.clock, settings.session_idle_seconds, settings.session_absolute_seconds
        )
        self.streams = Streams(self.writer)
        self.confirmations = Confirmations(self.writer, db)
        self.result_imports = ResultImports(self.writer)
        self.compare = SourceComparison(self.read_model, self.contests, db)
        self.imports = Imports(self.writer)
        self.recaps = Recaps(self.writer, self.read_model, self.contests, db)
        self.writer.feed.subscribe(self.recaps.heard)  # after the read model: comparisons read its totals
        self.recap_import = RecapImport(self.writer)
        self.problems = Problems(self.read_model, self.contests, self.recaps, db)
        self.directory = Directory(self.read_model, db)
        self.schedule = Schedule(self.read_model, self.writer)
        self.committees = Committees(self.writer, db)
        self.register_key = RegisterKey(settings.register_key)
        self.register = VoterRegister(self.writer, db, self.register_key)
        self.finder = TpsFinder(db, self.register_key, self.directory)
        self.health = OfficerHealth(db, settings.health_hours_limit * 3600)
        self._sweeper: HealthSweeper | None = None
        self.publisher = Publisher(db, self.contests, settings.simulated, self.signer, settings.checkpoints_dir)
        self._follower: Follower | None = None
        self._checkpointer: Checkpointer | None = None

    @classmethod
    def open(cls, settings: Settings, *, create: bool = True, clock: Callable[[], int] | None = None) -> Rekap:
        """Connect and migrate (creating the database if `create`)."""
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        db = connect(settings.db_url)
        if create:
            migrate(db)
            RegisterKey(settings.register_key).get(create=True)  # the register's secret, made once, mode 0600
            Signer(settings.checkpoint_key_file).ensure()
        elif not is_initialised(db):
            db.dispose()
            raise InvalidInput(f"no rekap database at {settings.db_url}; run `rekap init` first", field="db")
        return cls(settings, db, clock)

    def close(self) -> None:
        self.photos.stop()
        self.db.dispose()

    # --- serving ------------------------------------------------------------------------------------------

    def web_services(self) -> Services:
        return Services(
            self.contests, self.regions, self.real_count, self.tps, self.public_log, self.submissions, self.tokens,
            self.photos, self.streams, self.writer.feed.subscribe, self.settings.simulated, recaps=self.recaps,
            problems=self.problems, confirmations=self.confirmations, compare=self.compare,
            people=self.people, sessions=self.sessions, public=self.settings.public,
            photo_max_side=self.settings.photo_max_side,
            directory=self.directory, schedule=self.schedule, committees=self.committees, finder=self.finder,
            register=self.register, health=self.health, attempts=FailedAttempts(self.db, self.clock),
        )  # fmt: skip

    def web_app(self, then: tuple[Callable[[], None], ...] = ()) -> FastAPI:
        """The web app of this instance; `then` runs once it has started (the demo's simulator)."""

        def started() -> None:
            self.start()
            for fn in then:
                fn()

        return create_app(self.web_services(), started, self.stop, self.web_limits())

    def web_limits(self) -> WebLimits:
        s = self.settings
        return WebLimits(s.max_body_bytes, s.max_photo_bytes, s.max_reads, s.auth_failures, s.auth_window,
                         s.access_log)  # fmt: skip

    def start(self) -> None:
        """Before the first request: fold the log and copy the read model (a first read would do it on the event
        loop), set the loaded state apart from the garbage collector, and follow other processes' appends."""
        self.writer.state  # noqa: B018
        self.read_model.structure  # noqa: B018
        settle_heap()
        # the follower's thread folds other processes' entries: hand the GIL back to the event loop every
        # millisecond rather than every 5 (the default), for readers' tail latency (BENCHMARKS.md: p99 83 → 66 ms)
        sys.setswitchinterval(0.001)
        self._follower = Follower(self.writer)
        self._follower.start()
        self._sweeper = HealthSweeper(self.health)
        self._sweeper.start()
        if self.handoff is None:  # a worker of `rekap serve --workers N` starts from its writer's checkpoints
            self._checkpointing()
            self.photos.resume()  # and leaves the copies its writer did not make to it

    def checkpoint(self) -> bool:
        """Write a checkpoint of the fold now, if it moved since the last one; whether one was written."""
        return written(self.writer.checkpoint())

    def _checkpointing(self) -> None:
        if self.checkpoints is not None and self._checkpointer is None:
            self._checkpointer = Checkpointer(self.writer.checkpoint, self.settings.checkpoint_seconds)
            self._checkpointer.start()

    def _stop_checkpointing(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
            self._checkpointer = None

    async def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.stop()
            self._sweeper = None
        if self._follower is not None:
            self._follower.stop()
            self._follower = None
        self._stop_checkpointing()
        if self.handoff is not None:
            await self.handoff.close()
        if self.async_reads is not None:
            await self.async_reads.close()

    def serve(
        self, host: str, port: int, workers: int = 1, factory: str = APP_FACTORY, ingest_port: int | None = None
    ) -> None:
        """With one worker the app runs here and writes itself. With several (PostgreSQL only) each worker is a
        process of its own and this process is their log writer. With an ingest port, one more worker serves it
        at normal priority and the public port's workers yield the CPU to it (`serving.READER_NICE`): a read flood
        on the public address cannot slow the officers' submissions sent to the other."""
        build: Callable[..., FastAPI] = import_from_string(factory)
        if workers == 1 and ingest_port is None:
            serving.log_to_stderr()
            options = serving.uvicorn_options(self.settings.header_timeout, self.settings.idle_timeout)
            uvicorn.run(build(self), host=host, port=port, **options)
            return
        self.check_workers(workers, ingest_port)
        sockets = serving.listening(host, port, workers)
        nice = [0] * workers
        if ingest_port is not None:
            sockets += serving.listening(host, ingest_port, 1)
            nice = [serving.READER_NICE] * workers + [0]
        self.writer.state  # noqa: B018 - fold the log before the workers hand anything over
        settle_heap()
        with log_writer(self.submissions.write) as server:
            env = os.environ | {
                "REKAP_DATABASE_URL": self.settings.db_url,
                "REKAP_DATA_DIR": str(self.settings.data_dir),
                "REKAP_WRITER_SOCKET": str(server.path),
                "REKAP_PHOTO_STORE": self.settings.photo_store,
                "REKAP_S3_ENDPOINT_URL": self.settings.s3_endpoint_url or "",
            }
            timeouts = (self.settings.header_timeout, self.settings.idle_timeout)
            self._checkpointing()
            self.photos.resume()
            try:
                serving.Workers(factory, sockets, env, timeouts, nice).run()
            finally:
                self._stop_checkpointing()

    def check_workers(self, workers: int, ingest_port: int | None = None) -> None:
        if (workers > 1 or ingest_port is not None) and self.db.is_sqlite:
            field = "workers" if ingest_port is None else "ingest_port"
            raise InvalidInput("several workers, or an ingest port, need PostgreSQL (--db postgresql://…)", field=field)

    # --- audit --------------------------------------------------------------------------------------------

    def rebuild(self, progress: Progress | None = None, parts: int = 1) -> Rebuilt:
        return rebuild(self.writer, progress, parts)

    def verify(self, progress: Progress | None = None, checkpoint: Checkpoint | None = None) -> verify.VerifyReport:
        """Given no checkpoint, the newest one this instance published (if any) is checked."""
        checkpoint = checkpoint or latest_kept(self.settings.checkpoints_dir)
        trusted = self.signer.public_key if self.signer.available else None
        return verify.verify_local(self.db, self.files, progress, checkpoint, trusted)

    def export(self, directory: Path, progress: Progress | None = None) -> dict[str, Any]:
        return export.export(self.db, self.files, directory, self.settings.simulated, progress)


def web_app(rekap: Rekap | None = None) -> FastAPI:
    """The app factory: for an instance of this process, or (a worker of `rekap serve --workers N`, which reads
    the REKAP_* environment; the database is then PostgreSQL, shared by every worker) for a new one."""
    return (rekap or Rekap.open(Settings.from_env(), create=False)).web_app()
