"""`kill -9` of `rekap serve`'s main process: its workers end with it (none keeps answering on the port), and
the socket directory it could not remove is removed when the next log writer starts."""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from rekap.log.handoff import DIR_PREFIX, remove_stale_dirs

DEADLINE = 60  # generous on a loaded 2-core machine: the test waits for events, never for a fixed time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.sendall(b"GET /api/v1/log/head HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            return s.recv(12).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def children(pid):
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(") ")[1].startswith("Z"))


def wait_for(condition, what):
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc and PR_SET_PDEATHSIG")
def test_kill_9_of_the_main_process_takes_its_workers_with_it(db_url, tmp_path):
    if not db_url.startswith("postgresql"):
        pytest.skip("several workers need PostgreSQL")
    port = free_port()
    env = os.environ | {"PYTHONPATH": str(Path(__file__).parents[1])}
    main = subprocess.Popen(
        [sys.executable, "-m", "rekap", "--db", db_url, "--data-dir", str(tmp_path / "d"), "serve", "--workers", "2",
         "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    workers = []
    try:
        wait_for(lambda: answers(port) and len(children(main.pid)) == 2, "two workers answering")
        workers = children(main.pid)
        socket_dirs = list(Path(tempfile.gettempdir()).glob(f"{DIR_PREFIX}{main.pid}-*"))
        assert len(socket_dirs) == 1
        main.send_signal(signal.SIGKILL)
        main.wait(DEADLINE)
        wait_for(lambda: not any(alive(w) for w in workers), "the orphaned workers to end")
        assert not answers(port)
        assert socket_dirs[0] in remove_stale_dirs()  # what the next `rekap serve` does before it listens
        assert not socket_dirs[0].exists()
    finally:
        main.kill()
        for w in workers:
            if alive(w):
                os.kill(w, signal.SIGKILL)


def test_a_live_writers_directory_is_left_alone(tmp_path):
    mine = tmp_path / f"{DIR_PREFIX}{os.getpid()}-abc"
    dead = tmp_path / f"{DIR_PREFIX}999999999-abc"
    other = tmp_path / "rekap-writer-legacy_x"
    for d in (mine, dead, other):
        d.mkdir()
    assert remove_stale_dirs(tmp_path) == [dead]
    assert mine.exists() and other.exists()
