"""Running several Uvicorn workers beside this machine's one log writer (the composition root starts them).

Each worker listens on a socket of its own, all bound to the same port with SO_REUSEPORT, so the kernel spreads
connections over the workers evenly. (Uvicorn's own `--workers` shares one socket, and a busy worker keeps
accepting: 32 keep-alive clients of a field app's sync burst landed five to one on two workers, and one core
idled while the other was saturated.) This process starts the workers, restarts one that dies, stops them on
SIGTERM or Ctrl-C, and is the log writer they hand submissions to (rekap/log/handoff.py).
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from types import FrameType
from typing import Any

import uvicorn

from rekap.domain.errors import InvalidInput
from rekap.web.timeouts import with_header_timeout

logger = logging.getLogger(__name__)
RESTART_AFTER = 2.0  # seconds since a worker's start before it is started again
STOP_SECONDS = 10  # a worker's graceful shutdown (2 s) and then some, before it is killed
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
PARENT_WATCH_SECONDS = 1.0
#: the niceness of the public port's workers when an ingest port is served beside it: under a read flood the CPU
#: goes first to the ingest worker and the log writer (nice 0), and readers get all that is left
READER_NICE = 10


def listening(host: str, port: int, count: int) -> list[socket.socket]:
    """`count` sockets bound to the same address (SO_REUSEPORT), all bound before any worker starts."""
    try:
        return [_listening(host, port) for _ in range(count)]
    except OSError as exc:
        raise InvalidInput(f"cannot listen on {host}:{port}: {exc.strerror}", field="port") from exc


def listening_alone(host: str, port: int) -> socket.socket:
    """One socket on the address, refused if anything listens there already (no SO_REUSEPORT: a second rekap
    on the port would otherwise share it silently)."""
    try:
        return _listening(host, port, share=False)
    except OSError as exc:
        raise InvalidInput(f"cannot listen on {host}:{port}: {exc.strerror}", field="port") from exc


def _listening(host: str, port: int, share: bool = True) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if share:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


class Workers:
    """One Uvicorn process per socket, kept running until this process is told to stop."""

    def __init__(
        self,
        factory: str,
        sockets: list[socket.socket],
        env: dict[str, str],
        timeouts: tuple[float, float] = (10, 5),
        nice: list[int] | None = None,
    ) -> None:
        self.factory = factory
        self.timeouts = timeouts
        self.sockets = sockets
        self.env = env
        self.nice = nice or [0] * len(sockets)  # each worker's niceness: readers yield the CPU to ingest
        self.procs: list[subprocess.Popen[bytes] | None] = [None] * len(sockets)
        self.started_at = [0.0] * len(sockets)
        self._stop = threading.Event()

    def _start(self, i: int) -> None:
        fd = self.sockets[i].fileno()
        cmd = [sys.executable, "-m", "rekap.web.serving", self.factory, str(fd), str(os.getpid()),
               *(str(t) for t in self.timeouts), str(self.nice[i])]  # fmt: skip
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
                    logger.warning("worker %d exited with %s: starting it again", proc.pid, proc.returncode)
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


def die_with_parent(parent: int) -> None:
    """End this worker when the process that started it ends, even by `kill -9` (it cannot stop its workers
    then): the kernel sends SIGTERM on Linux (PR_SET_PDEATHSIG), and a watch thread notices elsewhere. Orphans
    kept answering on the port with a writer that no longer existed."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        except (OSError, AttributeError):
            logger.warning("prctl(PR_SET_PDEATHSIG) unavailable: only the parent watch ends this worker")

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_WATCH_SECONDS)
        os.kill(os.getpid(), signal.SIGTERM)

    if os.getppid() != parent:  # the parent died before prctl took effect
        os.kill(os.getpid(), signal.SIGTERM)
    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def uvicorn_options(header_timeout: float, idle_timeout: float) -> dict[str, Any]:
    """How every rekap server runs Uvicorn: headers within `header_timeout` s, a kept-alive connection closed
    after `idle_timeout` s idle, rekap's own access log (rekap.web.guard) instead of Uvicorn's."""
    return {
        "http": with_header_timeout(header_timeout),
        "timeout_keep_alive": idle_timeout,
        "log_level": "warning",
        "access_log": False,
        "timeout_graceful_shutdown": 2,
    }


def log_to_stderr() -> None:
    """rekap's own loggers (access log, failed token checks, warnings) to stderr, one line each."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    root = logging.getLogger("rekap")
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    root.propagate = False


def worker(factory: str, fd: int, header_timeout: float = 10, idle_timeout: float = 5) -> None:
    """One worker on an inherited socket. Not `uvicorn --fd`: that takes every descriptor for a Unix socket,
    so TCP_NODELAY is never set and small answers wait ~40 ms for the client's delayed ACK."""
    log_to_stderr()
    config = uvicorn.Config(factory, factory=True, **uvicorn_options(header_timeout, idle_timeout))
    uvicorn.Server(config).run(sockets=[socket.socket(fileno=fd)])


if __name__ == "__main__":
    die_with_parent(int(sys.argv[3]))
    os.nice(int(sys.argv[6]))
    worker(sys.argv[1], int(sys.argv[2]), float(sys.argv[4]), float(sys.argv[5]))
