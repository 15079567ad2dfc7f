"""Running the server: one process, or several Uvicorn workers beside this machine's one log writer.

Each worker listens on a socket of its own, all bound to the same port with SO_REUSEPORT, so the kernel spreads
connections over the workers evenly. (Uvicorn's own `--workers` shares one socket, and a busy worker keeps
accepting: 32 keep-alive clients of a field app's sync burst landed five to one on two workers, and one core
idled while the other was saturated.) This process starts the workers, restarts one that dies, stops them on
SIGTERM or Ctrl-C, and is the log writer they hand submissions to (rekap/services/writer.py).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from functools import partial
from types import FrameType

import uvicorn
from uvicorn.importer import import_from_string

from rekap.domain.errors import InvalidInput
from rekap.services.context import Context
from rekap.services.submissions import write_result
from rekap.services.writer import log_writer
from rekap.store.ledger import settle_heap
from rekap.web.app import create_app

log = logging.getLogger(__name__)
APP_FACTORY = "rekap.bootstrap:app_from_env"
RESTART_AFTER = 2.0  # seconds since a worker's start before it is started again
STOP_SECONDS = 10  # a worker's graceful shutdown (2 s) and then some, before it is killed


def serve(ctx: Context, host: str, port: int, workers: int = 1, factory: str = APP_FACTORY) -> None:
    """With one worker the app runs here, on `ctx`, and writes itself. With several (PostgreSQL only) each
    worker is a process of its own. `factory` ("module:function") builds the app: called with `ctx` here, with
    nothing in a worker (which reads the REKAP_* environment)."""
    if workers == 1:
        app = create_app(ctx) if factory == APP_FACTORY else import_from_string(factory)(ctx)
        uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=2)
        return
    check_workers(ctx, workers)
    try:
        sockets = [_listening(host, port) for _ in range(workers)]  # all bound before any worker starts
    except OSError as exc:
        raise InvalidInput(f"cannot listen on {host}:{port}: {exc.strerror}", field="port") from exc
    ctx.ledger.state  # noqa: B018 - fold the log before the workers hand anything over
    settle_heap()
    with log_writer(partial(write_result, ctx)) as writer:
        env = os.environ | {
            "REKAP_DATABASE_URL": ctx.settings.db_url,
            "REKAP_DATA_DIR": str(ctx.settings.data_dir),
            "REKAP_WRITER_SOCKET": str(writer.path),
        }
        Workers(factory, sockets, env).run()


def check_workers(ctx: Context, workers: int) -> None:
    if workers > 1 and ctx.db.is_sqlite:
        raise InvalidInput("several workers need PostgreSQL (--db postgresql://…)", field="workers")


def _listening(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


class Workers:
    """One Uvicorn process per socket, kept running until this process is told to stop."""

    def __init__(self, factory: str, sockets: list[socket.socket], env: dict[str, str]) -> None:
        self.factory = factory
        self.sockets = sockets
        self.env = env
        self.procs: list[subprocess.Popen[bytes] | None] = [None] * len(sockets)
        self.started_at = [0.0] * len(sockets)
        self._stop = threading.Event()

    def _start(self, i: int) -> None:
        fd = self.sockets[i].fileno()
        cmd = [sys.executable, "-m", "rekap.web.serving", self.factory, str(fd)]
        self.procs[i] = subprocess.Popen(cmd, env=self.env, pass_fds=(fd,))
        self.started_at[i] = time.monotonic()

    def _stopping(self, _signum: int, _frame: FrameType | None) -> None:
        self._stop.set()

    def run(self) -> None:
        previous = {s: signal.signal(s, self._stopping) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            for i in range(len(self.sockets)):
                self._start(i)
            while not self._stop.wait(0.5):
                for i, proc in enumerate(self.procs):
                    if proc is None or proc.poll() is None:
                        continue
                    if time.monotonic() - self.started_at[i] < RESTART_AFTER:
                        continue  # one that dies at once (a database down) is retried, not spun
                    log.warning("worker %d exited with %s: starting it again", proc.pid, proc.returncode)
                    self._start(i)
        finally:
            self._stop_all()
            for s, handler in previous.items():
                signal.signal(s, handler)
            for sock in self.sockets:
                sock.close()

    def _stop_all(self) -> None:
        running = [p for p in self.procs if p is not None and p.poll() is None]
        for p in running:
            p.send_signal(signal.SIGTERM)
        for p in running:
            try:
                p.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def worker(factory: str, fd: int) -> None:
    """One worker on an inherited socket. Not `uvicorn --fd`: that takes every descriptor for a Unix socket,
    so TCP_NODELAY is never set and small answers wait ~40 ms for the client's delayed ACK."""
    config = uvicorn.Config(factory, factory=True, log_level="warning", access_log=False, timeout_graceful_shutdown=2)
    uvicorn.Server(config).run(sockets=[socket.socket(fileno=fd)])


if __name__ == "__main__":
    worker(sys.argv[1], int(sys.argv[2]))
