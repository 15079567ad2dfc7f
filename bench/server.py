"""Starting and stopping the server under test, and reading where the CPU time of a run went."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    port: int
    workers: int
    ingest_port: int | None = None  # `rekap serve --ingest-port`: one more worker, at normal priority

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def pids(self) -> list[int]:
        """The master and, with several workers, each worker process."""
        kids = [pid for pid, ppid in _parents().items() if ppid == self.proc.pid]
        return [self.proc.pid, *kids]


def _parents() -> dict[int, int]:
    out = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            out[int(d.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return out


@contextmanager
def serving(db_url: str, data_dir: Path, workers: int = 1, ingest: bool = False) -> Iterator[Server]:
    port, ingest_port = free_port(), (free_port() if ingest else None)
    env = os.environ | {"REKAP_DATABASE_URL": db_url, "REKAP_DATA_DIR": str(data_dir)}
    env["REKAP_REQUIRE_PHOTO_FROM"] = ""  # some runs ingest numbers alone, on purpose
    cmd = [sys.executable, "-m", "bench.serve", "--port", str(port), "--workers", str(workers)]
    if ingest_port is not None:
        cmd += ["--ingest-port", str(ingest_port)]
    proc = subprocess.Popen(cmd, cwd=REPO, env=env)
    server = Server(proc, port, workers, ingest_port)
    try:
        _wait_ready(server)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_ready(server: Server, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"server exited with {server.proc.returncode}")
        try:
            with urllib.request.urlopen(server.url + "/bench/static", timeout=2):
                pass
            processes = server.workers + (server.ingest_port is not None)
            if processes == 1 or len(server.pids()) > processes:
                time.sleep(0.5 if processes > 1 else 0)  # let every worker finish its start-up
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("server did not answer in time")


def cpu_by_pid(pids: list[int]) -> dict[int, float]:
    out = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = (int(fields[11]) + int(fields[12])) / TICKS
    return out


def cpu_since(before: dict[int, float], now: dict[int, float]) -> float:
    """CPU seconds used by the processes alive now since `before` (a process that exited meanwhile is lost)."""
    return sum(t - before.get(pid, 0.0) for pid, t in now.items())


def postgres_pids() -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if (d / "comm").read_text().strip() == "postgres":
                    out.append(int(d.name))
            except OSError:
                continue
    return out


def machine_busy_seconds() -> float:
    """CPU time all cores spent busy since boot (user, nice, system, irq, softirq, steal)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / TICKS


@dataclass
class CpuShare:
    """Cores used on average during a run: by the server, PostgreSQL, the load clients, and anything else
    on the machine (other people's processes on a shared box)."""

    server: float
    postgres: float
    clients: float
    busy: float

    @property
    def other(self) -> float:
        return max(0.0, self.busy - self.server - self.postgres - self.clients)

    def per_request(self, rate: float) -> str:
        """CPU per request (steadier than a rate on a machine shared with other work)."""
        if not rate:
            return ""
        ms = 1000 / rate
        return f"CPU per request: server {self.server * ms:.2f} ms, PostgreSQL {self.postgres * ms:.2f} ms"

    def text(self) -> str:
        return (
            f"cores busy {self.busy:.2f} of {os.cpu_count()}: server {self.server:.2f}, PostgreSQL "
            f"{self.postgres:.2f}, load clients {self.clients:.2f}, other processes {self.other:.2f}"
        )


class CpuMeter:
    """Wraps a run; `finish(client_cpu_seconds)` after the clients reported what they used."""

    def __init__(self, server: Server | None) -> None:
        self.server = server
        self.t0 = time.monotonic()
        self.s0, self.p0 = self._server_cpu(), cpu_by_pid(postgres_pids())
        self.b0 = machine_busy_seconds()

    def _server_cpu(self) -> dict[int, float]:
        return cpu_by_pid(self.server.pids()) if self.server else {}

    def stop(self) -> None:
        self.took = time.monotonic() - self.t0
        self.server_s = cpu_since(self.s0, self._server_cpu())
        self.pg_s = cpu_since(self.p0, cpu_by_pid(postgres_pids()))
        self.busy_s = machine_busy_seconds() - self.b0

    def finish(self, client_cpu: float) -> CpuShare:
        return CpuShare(
            self.server_s / self.took, self.pg_s / self.took, client_cpu / self.took, self.busy_s / self.took
        )
