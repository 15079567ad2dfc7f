"""Public photo copies made off the upload's path: the photos a process recorded are queued, their copies made
by one child process at the lowest CPU priority (decoding and encoding take ~4 ms of CPU for a small photo, more
than the rest of its upload: they wait while acknowledgements need the cores, and never hold this process's GIL),
then written to the photo store and marked made. A photo viewed before then gets its copies made for that view."""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path

from rekap.domain.log import now_iso
from rekap.services import photo_maker
from rekap.store import photos as stored
from rekap.store.db import Database
from rekap.store.photo_files import PhotoStore

log = logging.getLogger("rekap.photos")
Make = Callable[[bytes], dict[str, bytes] | None]
BATCH = 16  # copies marked made in one transaction
_TREE = str(Path(__file__).resolve().parents[2])  # the child imports the rekap this process runs


class _Maker:
    """The child process, one per rekap process (its instances share it), started on first use and again if it
    died (out of memory?). A process of its own rather than multiprocessing's: it imports nothing of the parent's
    main module."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._child: subprocess.Popen[bytes] | None = None

    def __call__(self, data: bytes) -> dict[str, bytes] | None:
        with self._lock:
            if self._child is None or self._child.poll() is not None:
                self._child = subprocess.Popen(
                    [sys.executable, "-m", photo_maker.__name__], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                    env=os.environ | {"PYTHONPATH": os.pathsep.join([_TREE, os.environ.get("PYTHONPATH", "")])},
                )  # fmt: skip
            child = self._child
            assert child.stdin is not None and child.stdout is not None
            try:
                photo_maker.send(child.stdin, data)
                answer = photo_maker.receive(child.stdout)
            except OSError:
                answer = None
            if answer is None:
                child.kill()
                child.wait()
                raise RuntimeError("the photo copy maker stopped")
            copies: dict[str, bytes] | None = pickle.loads(answer)  # from our own child: trusted
            return copies


in_child = _Maker()


class Copies:
    def __init__(self, db: Database, files: PhotoStore, make: Make) -> None:
        self.db, self.files, self.make = db, files, make
        self._queue: deque[str] = deque()
        self._lock = threading.Lock()
        self._draining = False
        self._stopped = False
        self._idle = threading.Event()
        self._idle.set()
        self._thread: threading.Thread | None = None

    def queue(self, hashes: Iterable[str]) -> None:
        with self._lock:
            self._queue.extend(hashes)
            if not self._queue or self._stopped:
                return
            self._idle.clear()
            start, self._draining = not self._draining, True
        if start:
            # a daemon: a process that stops leaves its queue to the next start rather than waiting for it
            self._thread = threading.Thread(target=self._drain, name="photo-copies", daemon=True)
            self._thread.start()

    def settle(self, timeout: float | None = None) -> bool:
        """Wait until every queued photo has its copies; whether they all do."""
        return self._idle.wait(timeout)

    def stop(self) -> None:
        """Leave the queue (a restart makes those copies first) once the photo in hand is done."""
        with self._lock:
            self._stopped = True
            self._queue.clear()
            thread = self._thread
        if thread is not None:
            thread.join()

    def _drain(self) -> None:
        while True:
            with self._lock:
                batch = [self._queue.popleft() for _ in range(min(BATCH, len(self._queue)))]
                if not batch or self._stopped:
                    self._draining = False
                    self._idle.set()
                    return
            made = [sha for sha in batch if self._made(sha)]
            try:
                with self.db.writer.begin() as conn:
                    stored.mark_copied(conn, made, now_iso())
            except Exception:
                log.exception("could not mark %d photos' copies made; a restart makes them again", len(made))

    def _made(self, sha256: str) -> bool:
        try:
            original = self.files.read_original(sha256)
            copies = self.make(original) if original is not None else None
            if copies is None:
                log.error("photo %s: no original to make its public copies from, or it cannot be decoded", sha256)
                return False
            self.files.put_public_copies(sha256, copies)
            return True
        except Exception:
            log.exception("photo %s: public copies not made; a restart or its first view makes them", sha256)
            return False
