"""Group commit of photo uploads: whatever arrives while one batch is being written goes into the next together,
its originals made durable at once (one round of fsyncs, or parallel puts to the bucket) and its rows in one
transaction. An upload is acknowledged when its batch is committed. A photo sent with its result has only its
original written here: its row goes into the transaction of the entry that names it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from rekap.domain.log import now_iso
from rekap.store import photos as stored
from rekap.store.db import Database
from rekap.store.photo_files import PhotoStore
from rekap.store.photos import PhotoInfo

MAX_BATCH = 64  # uploads in one batch: with 15 MB photos still a bounded amount of memory per commit


@dataclass
class _Upload:
    info: PhotoInfo
    data: bytes
    actor: str | None  # None: the original only (a photo sent with its result)
    future: Future[bool] = field(default_factory=Future)


class Uploads:
    def __init__(self, db: Database, files: PhotoStore, made: Callable[[list[str]], None]) -> None:
        self.db, self.files = db, files
        self._made = made  # told the hashes a batch recorded, before their uploads are answered
        self._queue: list[_Upload] = []
        self._lock = threading.Lock()
        self._draining = False
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="photo-uploads")

    def submit(self, info: PhotoInfo, data: bytes, actor: str | None) -> Future[bool]:
        """Resolves to whether the photo is new once its original is durable and its row committed (`actor`
        None: once its original is durable, to False; its row is the caller's)."""
        upload = _Upload(info, data, actor)
        with self._lock:
            self._queue.append(upload)
            start, self._draining = not self._draining, True
        if start:
            self._thread.submit(self._drain)
        return upload.future

    def _drain(self) -> None:
        while True:
            with self._lock:
                batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
                if not batch:
                    self._draining = False
                    return
            self._commit(batch)

    def _commit(self, batch: list[_Upload]) -> None:
        first = {u.info.sha256: u for u in reversed(batch)}  # the same bytes twice in a batch: one file
        rows = {u.info.sha256: u for u in reversed(batch) if u.actor is not None}  # and one row
        try:
            self.files.put_originals([(sha, u.data) for sha, u in first.items()])
            created: set[str] = set()
            if rows:
                at = now_iso()
                with self.db.writer.begin() as conn:
                    created = stored.insert_new(conn, [(u.info, at, u.actor or "") for u in rows.values()])
                self._made(sorted(created))
        except Exception as exc:
            for u in batch:
                u.future.set_exception(exc)
            return
        for u in batch:
            u.future.set_result(rows.get(u.info.sha256) is u and u.info.sha256 in created)
