"""Sampling the server's Python stacks with py-spy during ingest, and the functions that used the most time."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

_FRAME = re.compile(r"^(?P<fn>.*?) \((?P<file>[^:()]+)(?::\d+)?\)$")


def available() -> bool:
    return shutil.which("py-spy") is not None


def record(pid: int, seconds: int, out: Path, fmt: str = "raw", gil: bool = True) -> subprocess.Popen[bytes]:
    """py-spy on the server (its worker processes too), 100 samples/s, without pausing it. With `gil`, only the
    thread holding the GIL is sampled: where the Python CPU goes, not who waits on I/O or locks."""
    cmd = ["py-spy", "record", "--pid", str(pid), "--subprocesses", "--nonblocking", "--rate", "100"]
    cmd += ["--duration", str(seconds), "--format", fmt, "--output", str(out), *(["--gil"] if gil else [])]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _name(frame: str) -> str:
    m = _FRAME.match(frame.strip())
    if not m:
        return frame.strip()
    parts = Path(m["file"]).parts
    where = (
        "/".join(parts[-2:])
        if "site-packages" not in parts
        else "/".join(parts[parts.index("site-packages") + 1 :][:2])
    )
    return f"{m['fn']} ({where})"


@dataclass(frozen=True)
class Hotspots:
    samples: int
    inclusive: list[tuple[str, float]]  # share of samples with the function anywhere on the stack
    own: list[tuple[str, float]]  # share of samples with the function on top


#: Frames every sample has (processes, threads, the event loop): they say nothing about where time goes.
PLUMBING = (
    *("process ", "spawn_main", "<module>", "Thread._bootstrap", "Thread.run", "WorkerThread.run", "Runner.run"),
    *("run (asyncio", "main (", "_main (", "BaseEventLoop.run", "run_until_complete", "run (uvicorn", "Server.run"),
    *("Server.serve", "_run_module", "_run_code", "Process._bootstrap", "Process.run", "Multiprocess."),
    *(
        "subprocess_started",
        "Context.run",
        "BaseProcess.",
        "asyncio_run",
        "Process.target",
        "Command.",
        "Context.invoke",
    ),
)


def hotspots(raw: Path, n: int = 15, skip: tuple[str, ...] = PLUMBING) -> Hotspots:
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        k = int(count)
        frames = [_name(f) for f in stack.split(";") if f]
        total += k
        for fn in set(frames):
            inclusive[fn] += k
        if frames:
            own[frames[-1]] += k

    def share(c: Counter[str]) -> list[tuple[str, float]]:
        top = [(fn, 100 * k / total) for fn, k in c.most_common() if not fn.startswith(skip)]
        return top[:n]

    return Hotspots(total, share(inclusive), share(own)) if total else Hotspots(0, [], [])
