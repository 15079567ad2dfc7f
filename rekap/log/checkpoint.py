"""Checkpoints of the fold: a process restarts from the fold as it stood at a known entry and reads only the
entries after it, instead of the whole log (minutes at national scale, on election night).

A checkpoint is a file in the data directory: a JSON header line — the seq and hash of the last entry folded
into it and a fingerprint of the fold's code — and the pickled State. It is used only if the log still holds
that very entry (same seq, same hash) and the code that folds is the same; anything else (a rebuilt or
truncated log, an upgrade, a torn file) and the process folds the whole log as before. The checkpoint is a
cache, never a source: `rekap verify` and `rekap rebuild` always fold the log itself. Like the database next
to it, the data directory is trusted (pickle runs what it reads): keep it the server's own.

Writing one must not stop the log: the writer forks under its lock (a copy-on-write image of the fold, in
milliseconds) and the child writes the file while the parent goes on appending.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import Connection

from rekap.domain.fold import State
from rekap.store import log_table

_NAME = "fold.checkpoint"
_CODE = Path(__file__).resolve().parents[1] / "domain"


def fingerprint() -> str:
    """The SHA-256 of the domain's source: a checkpoint written by other code is not read."""
    h = hashlib.sha256()
    for f in sorted(_CODE.rglob("*.py")):
        h.update(f.relative_to(_CODE).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


@dataclass(frozen=True, slots=True)
class Loaded:
    state: State
    seq: int


class Checkpoints:
    """The checkpoint of this machine's fold, in `directory`."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / _NAME
        self._fingerprint = fingerprint()

    def load(self, conn: Connection) -> Loaded | None:
        """The fold of the checkpoint, if it is still a prefix of this log and of this code; else None."""
        try:
            with self.path.open("rb") as f:
                header = json.loads(f.readline())
                seq, digest = int(header["seq"]), str(header["hash"])
                if header.get("code") != self._fingerprint or log_table.hash_of(conn, seq) != digest:
                    return None
                state = pickle.load(f)  # the caller holds the cycle collector off
        except (OSError, ValueError, KeyError, TypeError, EOFError, pickle.UnpicklingError, AttributeError):
            return None  # no checkpoint, or one this process cannot use: fold the whole log
        if not isinstance(state, State) or (state.seq, state.head) != (seq, digest):
            return None
        return Loaded(state, seq)

    def write(self, state: State) -> None:
        """Write the checkpoint of `state`: whole or not at all."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{_NAME}.{os.getpid()}")
        with tmp.open("wb") as f:
            header = {"seq": state.seq, "hash": state.head, "code": self._fingerprint}
            f.write(json.dumps(header).encode() + b"\n")
            # without the cache of region paths (a tenth of the file to read back; made again on first use)
            pickle.dump(replace(state, _paths={}), f, protocol=pickle.HIGHEST_PROTOCOL)
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(self.path)

    def write_in_child(self, state: State) -> int:
        """Fork and write the checkpoint in the child; returns the child's pid (the caller waits for it).
        Call under the writer's lock: the child's copy of the fold is the one at this instant."""
        pid = os.fork()
        if pid == 0:  # the child: touch nothing but the state and the file, then leave without cleanup
            code = 0
            try:
                self.write(state)
            except BaseException:
                code = 1
            os._exit(code)
        return pid


def written(pid: int | None) -> bool:
    """Wait for the child writing a checkpoint; whether it wrote one."""
    return pid is not None and os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0


class Checkpointer:
    """Every `seconds`, while it runs, has `start` (LogWriter.checkpoint) fork a checkpoint and reaps the child;
    one more at stop, so a clean restart reads nothing but the head."""

    def __init__(self, start: Callable[[], int | None], seconds: float) -> None:
        self._start, self.seconds = start, seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="log-checkpoint", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=60)
        self.once()

    def once(self) -> bool:
        """Write a checkpoint now if the fold moved; whether one was written."""
        return written(self._start())

    def _run(self) -> None:
        while not self._stop.wait(self.seconds):
            self.once()
