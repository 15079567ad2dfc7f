"""One log writer per machine: workers hand submissions to it over a Unix socket, and write themselves when
it cannot be reached."""

import asyncio
import dataclasses

import pytest
from conftest import CONTEST

from rekap.bootstrap import Rekap
from rekap.domain.errors import ArithmeticMismatch, UnknownTps, WriterUnavailable
from rekap.domain.result import Result
from rekap.domain.submission import Submission
from rekap.log.handoff import NOT_REACHED, WriterClient, log_writer


def _report(rekap, code, a=5, b=10, invalid=1):
    dpt = rekap.writer.state.tps[code].dpt if code in rekap.writer.state.tps else 250
    used = a + b + invalid
    return Submission(code, CONTEST, Result({2: a, 3: b}, a + b, invalid, used, dpt - used, 0, dpt, 0, 0, used))


@pytest.fixture
def worker(rekap, settings):
    """A web worker of `rekap serve --workers N`: an instance of its own, pointed at the writer (`rekap`)."""
    with log_writer(rekap.submissions.write) as server:
        other = Rekap.open(dataclasses.replace(settings, writer_socket=server.path), create=False)
        other.writer_server = server  # for the tests to look at
        yield other
        other.close()


def test_the_writer_logs_what_a_worker_hands_it(rekap, worker):
    token = worker.tokens.authenticate(rekap.tokens.create("kpps", "officer", "test")[1])
    codes = sorted(rekap.writer.state.tps)[:20]
    assert worker.read_model.totals("31", CONTEST).tps_reported == 0  # the worker's read model, loaded
    seen_by_worker = worker.writer.known_seq

    async def submit_all():
        return await asyncio.gather(*(worker.submissions.submit_async(token, _report(rekap, c)) for c in codes))

    receipts = asyncio.run(submit_all())
    assert [r.tps for r in receipts] == codes and all(r.accepted for r in receipts)
    assert len({r.seq for r in receipts}) == 20
    assert worker.writer_server.connections_made == 1  # twenty calls at once share one connection
    # the writer folded them; the worker wrote nothing and learns of them as any follower does
    assert rekap.writer.state.totals[("31", CONTEST)].tps_reported == 20
    assert worker.writer.known_seq == seen_by_worker
    assert worker.read_model.totals("31", CONTEST).tps_reported == 0
    assert worker.writer.catch_up() == 20
    assert worker.read_model.totals("31", CONTEST).tps_reported == 20
    assert rekap.verify().ok


def test_refusals_come_back_as_themselves(rekap, worker):
    token = worker.tokens.authenticate(rekap.tokens.create("kpps", "officer", "test")[1])
    code = sorted(rekap.writer.state.tps)[0]
    with pytest.raises(UnknownTps) as unknown:
        asyncio.run(worker.submissions.submit_async(token, _report(rekap, "31.71.01.1001-999")))
    assert unknown.value.field == "tps"
    with pytest.raises(ArithmeticMismatch) as bad:  # officers' results that break arithmetic are refused
        asyncio.run(worker.submissions.submit_async(token, dataclasses.replace(_report(rekap, code), result=Result(
            {2: 5, 3: 10}, 99, 1, 16, 200, 0, 216, 0, 0, 16))))  # fmt: skip
    assert bad.value.extra["findings"] and rekap.writer.state.submission_count == 0


def test_a_retry_through_the_writer_is_replayed(rekap, worker):
    token = worker.tokens.authenticate(rekap.tokens.create("kpps", "officer", "test")[1])
    report = _report(rekap, sorted(rekap.writer.state.tps)[0])
    first = asyncio.run(worker.submissions.submit_async(token, report, "key-1"))
    again = asyncio.run(worker.submissions.submit_async(token, report, "key-1"))
    assert again.replayed and (again.seq, again.hash) == (first.seq, first.hash)
    assert rekap.writer.state.submission_count == 1


def test_a_worker_writes_itself_when_the_writer_is_not_there(rekap, settings, tmp_path):
    alone = Rekap.open(dataclasses.replace(settings, writer_socket=tmp_path / "nobody.sock"), create=False)
    try:
        token = alone.tokens.authenticate(rekap.tokens.create("kpps", "officer", "test")[1])
        receipt = asyncio.run(alone.submissions.submit_async(token, _report(rekap, sorted(rekap.writer.state.tps)[0])))
        assert alone.writer.known_seq == receipt.seq  # logged by its own writer
        assert rekap.verify().ok
    finally:
        alone.close()


def test_a_call_cut_off_before_its_answer_is_not_confirmed(tmp_path):
    path = tmp_path / "w.sock"

    async def run():
        async def hang_up(reader, writer):
            await reader.read(10)  # takes the call, then goes away without answering
            writer.close()

        server = await asyncio.start_unix_server(hang_up, str(path))
        async with server:
            client = WriterClient(path)
            with pytest.raises(WriterUnavailable) as cut:
                await client.call("anything")
            assert "Idempotency-Key" in cut.value.detail
        assert await WriterClient(tmp_path / "gone.sock").call("x") is NOT_REACHED

    asyncio.run(run())


@pytest.fixture
def pg_only(db_url):
    if db_url.startswith("sqlite"):
        pytest.skip("several workers need PostgreSQL")


def test_serve_with_two_workers_writes_through_one_writer(rekap, settings, pg_only, tmp_path):
    import os
    import signal
    import subprocess
    import sys

    import httpx

    secret = rekap.tokens.create("kpps", "officer", "test")[1]
    port = free_port()
    log = (tmp_path / "serve.log").open("wb")
    cmd = [sys.executable, "-m", "rekap", "--db", settings.db_url, "--data-dir", str(settings.data_dir),
           "serve", "--workers", "2", "--port", str(port)]  # fmt: skip
    env = os.environ | {"PYTHONUNBUFFERED": "1", "REKAP_REQUIRE_PHOTO_FROM": ""}  # numbers alone, on purpose
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until(lambda: httpx.get(base + "/api/v1/log/head", timeout=1).status_code == 200, proc)
        codes = sorted(rekap.writer.state.tps)[:30]

        async def post_all():
            async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {secret}"}) as http:
                return await asyncio.gather(*(http.post("/api/v1/submissions", json=_body(rekap, c)) for c in codes))

        answers = asyncio.run(post_all())
        assert [a.status_code for a in answers] == [201] * 30, answers[0].text
        national = f"{base}/api/v1/contests/{CONTEST}/totals/31"
        _wait_until(lambda: httpx.get(national).json()["progress"]["tps_reported"] == 30, proc)
        first, _ = _children(proc.pid)
        os.kill(first, signal.SIGKILL)  # a worker dies: it is started again, and the port keeps answering
        _wait_until(lambda: len(_children(proc.pid)) == 2 and first not in _children(proc.pid), proc)
        codes = sorted(rekap.writer.state.tps)[30:40]
        answers = asyncio.run(post_all())
        assert [a.status_code for a in answers] == [201] * 10
        _wait_until(lambda: httpx.get(national).json()["progress"]["tps_reported"] == 40, proc)
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0, (tmp_path / "serve.log").read_text()
    printed = (tmp_path / "serve.log").read_text()
    assert "Traceback" not in printed and "not reachable" not in printed  # every write went through the writer
    assert "starting it again" in printed
    assert rekap.writer.catch_up() >= 40 and rekap.verify().ok


def _children(pid):
    from pathlib import Path

    kids = []
    for d in Path("/proc").iterdir():
        try:
            if d.name.isdigit() and int((d / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                kids.append(int(d.name))
        except OSError:
            continue
    return kids


def free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until(ok, proc, seconds=60.0):
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, "server exited"
        try:
            if ok():
                return
        except Exception:  # not up yet
            pass
        time.sleep(0.2)
    raise AssertionError("timed out")


def _body(rekap, code):
    r = _report(rekap, code).result
    return {"tps": code, "contest": CONTEST, "result": {"votes": {"2": r.votes[2], "3": r.votes[3]},
            "valid": r.valid, "invalid": r.invalid, "used": r.used, "unused": r.unused, "damaged": 0,
            "dpt": r.dpt, "dptb": 0, "dpk": 0, "voters": r.voters}}  # fmt: skip


def test_serve_says_so_when_the_port_is_taken(rekap, settings, pg_only):
    import socket as sockets

    from rekap.domain.errors import InvalidInput

    with sockets.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(InvalidInput) as err:
            rekap.serve("127.0.0.1", taken.getsockname()[1], workers=2)
    assert err.value.field == "port"


def test_an_ingest_port_keeps_normal_priority_while_the_public_workers_yield(rekap, settings, pg_only, tmp_path):
    import os
    import signal
    import subprocess
    import sys

    import httpx

    secret = rekap.tokens.create("kpps", "officer", "test")[1]
    port, ingest = free_port(), free_port()
    log = (tmp_path / "serve.log").open("wb")
    cmd = [sys.executable, "-m", "rekap", "--db", settings.db_url, "--data-dir", str(settings.data_dir),
           "serve", "--workers", "1", "--port", str(port), "--ingest-port", str(ingest)]  # fmt: skip
    env = os.environ | {"PYTHONUNBUFFERED": "1", "REKAP_REQUIRE_PHOTO_FROM": ""}
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    public, field = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{ingest}"
    try:
        _wait_until(lambda: all(httpx.get(b + "/api/v1/log/head", timeout=1).is_success for b in (public, field)), proc)
        auth = {"Authorization": f"Bearer {secret}"}
        for code in sorted(rekap.writer.state.tps)[:5]:
            assert httpx.post(field + "/api/v1/submissions", json=_body(rekap, code), headers=auth).status_code == 201
        national = f"{public}/api/v1/contests/{CONTEST}/totals/31"
        _wait_until(lambda: httpx.get(national).json()["progress"]["tps_reported"] == 5, proc)
        niceness = sorted(os.getpriority(os.PRIO_PROCESS, pid) for pid in _children(proc.pid))
        assert niceness == [0, 10]  # the ingest worker, and the public one yielding to it
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0, (tmp_path / "serve.log").read_text()
    assert "submissions also on port" in (tmp_path / "serve.log").read_text()
