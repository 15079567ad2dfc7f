"""The hand-off to the machine's one log writer. With several web workers, `rekap serve` writes in its own main
process: each worker forwards a submission over a Unix socket and awaits the answer, so one group commit gathers every
worker's submissions, nothing is folded twice to be written, and no worker waits for another's write lock
(nor holds its GIL through a batch while it serves reads).

A worker that cannot reach the writer writes itself: the database's write lock keeps the chain whole either
way. A call whose connection breaks before the answer fails with WriterUnavailable (503): it may have been
logged, so the client retries with the same Idempotency-Key.

Calls and answers are pickled: both ends are the same program, and the socket lives in a directory only this
user can open.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import pickle
import shutil
import struct
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rekap.domain.errors import RekapError, WriterUnavailable

logger = logging.getLogger(__name__)
FRAME = struct.Struct("!I")  # each message: its length, then the pickle
RETRY_AFTER = 1.0  # seconds a worker writes itself after failing to reach the writer, before it tries again
Handler = Callable[..., Awaitable[object]]
LOST = "the log writer went away before it answered; retry with the same Idempotency-Key"
FAILED = "the log writer failed on this submission; retry with the same Idempotency-Key"


class NotReached:
    """The writer could not be reached, and nothing was sent: the caller writes itself."""


NOT_REACHED = NotReached()


def _frame(message: object) -> bytes:
    body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return FRAME.pack(len(body)) + body


async def _read(reader: asyncio.StreamReader) -> Any:
    (size,) = FRAME.unpack(await reader.readexactly(FRAME.size))
    return pickle.loads(await reader.readexactly(size))


class _Outbox:
    """Frames written in one system call per turn of the event loop, however many calls queued them."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self.writer = writer
        self._frames: list[bytes] = []

    def send(self, message: object) -> None:
        if not self._frames:
            asyncio.get_running_loop().call_soon(self._flush)
        self._frames.append(_frame(message))

    def _flush(self) -> None:
        frames, self._frames = self._frames, []
        if not self.writer.is_closing():
            self.writer.write(b"".join(frames))


class _Line:
    """One open connection to the writer, on the event loop that opened it."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.loop = asyncio.get_running_loop()
        self.writer = writer
        self.outbox = _Outbox(writer)
        self.pending: dict[int, asyncio.Future[object]] = {}
        self.closed = False
        self.task = asyncio.create_task(self._answers(reader))

    async def _answers(self, reader: asyncio.StreamReader) -> None:
        try:
            while True:
                rid, ok, value = await _read(reader)
                fut = self.pending.pop(rid, None)
                if fut is None or fut.done():
                    continue
                if ok:
                    fut.set_result(value)
                else:
                    fut.set_exception(value)
        except (asyncio.IncompleteReadError, OSError, pickle.UnpicklingError, EOFError):
            pass
        finally:
            self.closed = True
            self.writer.close()
            for fut in self.pending.values():
                if not fut.done():
                    fut.set_exception(WriterUnavailable(LOST))
            self.pending.clear()


class WriterClient:
    """A web worker's end: `call(*args)` runs the writer's handler with args and returns what it returned (or
    raises the RekapError it raised); NOT_REACHED when the writer could not be reached."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._line: _Line | None = None
        self._ids = itertools.count(1)
        self._failed_at = -RETRY_AFTER
        self._opening: tuple[asyncio.AbstractEventLoop, asyncio.Lock] | None = None

    async def _open(self) -> _Line | None:
        line = self._line
        loop = asyncio.get_running_loop()
        if line is not None and not line.closed and line.loop is loop:
            return line
        if self._opening is None or self._opening[0] is not loop:
            self._opening = (loop, asyncio.Lock())
        async with self._opening[1]:  # the many first calls of a busy worker share one connection
            line = self._line
            if line is not None and not line.closed and line.loop is loop:
                return line
            if time.monotonic() - self._failed_at < RETRY_AFTER:
                return None
            try:
                reader, writer = await asyncio.open_unix_connection(str(self.path))
            except OSError as exc:
                self._failed_at = time.monotonic()
                logger.warning("log writer at %s not reachable (%s): this worker writes itself", self.path, exc)
                return None
            self._line = _Line(reader, writer)
            return self._line

    async def close(self) -> None:
        """Hang up (a worker shutting down): calls still waiting end with WriterUnavailable."""
        line, self._line = self._line, None
        if line is not None and line.loop is asyncio.get_running_loop():
            line.writer.close()
            line.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await line.task

    async def call(self, *args: object) -> object:
        line = await self._open()
        if line is None:
            return NOT_REACHED
        rid = next(self._ids)
        fut: asyncio.Future[object] = line.loop.create_future()
        line.outbox.send((rid, args))  # pickled now (and may refuse), sent at the loop's next turn
        line.pending[rid] = fut
        return await fut


class WriterServer:
    """The writer's end, on an event loop of its own thread: runs `handle(*args)` for each call as it comes
    (the handler's log writer batches whatever arrives together) and answers on the same connection."""

    def __init__(self, path: Path, handle: Handler) -> None:
        self.path = path
        self.handle = handle
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stopping: asyncio.Event | None = None
        self._connections: set[asyncio.StreamWriter] = set()
        self.connections_made = 0
        self._thread = threading.Thread(target=self._run, name="log-writer-server", daemon=True)

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError(f"log writer did not start listening on {self.path}")

    def stop(self) -> None:
        if self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._serve())
        self._loop.close()

    async def _serve(self) -> None:
        self._stopping = asyncio.Event()
        server = await asyncio.start_unix_server(self._connection, str(self.path))
        os.chmod(self.path, 0o600)
        self._ready.set()
        await self._stopping.wait()
        server.close()
        for writer in list(self._connections):
            writer.close()  # their calls in flight end with WriterUnavailable at the worker
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(server.wait_closed(), timeout=5)

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        calls: set[asyncio.Task[None]] = set()
        outbox = _Outbox(writer)
        self._connections.add(writer)
        self.connections_made += 1
        try:
            while True:
                rid, args = await _read(reader)
                task = asyncio.create_task(self._answer(outbox, rid, args))
                calls.add(task)
                task.add_done_callback(calls.discard)
        except (asyncio.IncompleteReadError, OSError):
            pass  # the worker closed its end
        finally:
            self._connections.discard(writer)
            if calls:
                await asyncio.wait(calls)
            writer.close()

    async def _answer(self, outbox: _Outbox, rid: int, args: tuple[object, ...]) -> None:
        try:
            answer: tuple[int, bool, object] = (rid, True, await self.handle(*args))
        except RekapError as err:
            answer = (rid, False, err)
        except Exception:
            logger.exception("log writer failed a call")
            answer = (rid, False, WriterUnavailable(FAILED))
        try:
            outbox.send(answer)
        except Exception:  # an answer that cannot be pickled must not leave the worker waiting forever
            logger.exception("log writer could not send an answer")
            outbox.send((rid, False, WriterUnavailable(FAILED)))


DIR_PREFIX = "rekap-writer-"


def remove_stale_dirs(parent: Path | None = None) -> list[Path]:
    """Remove the socket directories of log writers that died without cleaning up (`kill -9`): each is named
    after its process, so one whose process is gone is stale. Returns what was removed."""
    removed = []
    for d in Path(parent or tempfile.gettempdir()).glob(f"{DIR_PREFIX}*-*"):
        pid = d.name.removeprefix(DIR_PREFIX).split("-", 1)[0]
        if not pid.isdigit() or not d.is_dir() or d.stat().st_uid != os.getuid() or _alive(int(pid)):
            continue
        shutil.rmtree(d, ignore_errors=True)
        removed.append(d)
    if removed:
        logger.info("removed %d stale log writer socket directories", len(removed))
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


@contextmanager
def log_writer(handle: Handler) -> Iterator[WriterServer]:
    """Serve `handle` on a fresh socket in a private temporary directory (short enough for a Unix socket path
    wherever the data lives); remove both afterwards."""
    remove_stale_dirs()
    where = Path(tempfile.mkdtemp(prefix=f"{DIR_PREFIX}{os.getpid()}-"))  # mode 0700
    server = WriterServer(where / "writer.sock", handle)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(where, ignore_errors=True)
