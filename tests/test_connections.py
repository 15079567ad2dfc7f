"""Connections without limits: one that sends nothing, or its headers or body a trickle at a time, is closed; reads
beyond the limit get a fast 503 while submissions are still taken."""

import socket
import threading
import time
from contextlib import contextmanager

import pytest
import uvicorn
from conftest import CONTEST, TPS, clean_result
from fastapi.testclient import TestClient

from rekap.web.serving import uvicorn_options

WAIT = 15  # the longest any socket read below may block: the server closes well before, or the test fails


@contextmanager
def serving(app, header_timeout=0.5, idle_timeout=0.5):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, **uvicorn_options(header_timeout, idle_timeout)))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + WAIT
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield sock.getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(WAIT)
        sock.close()


def closed_by_server(sock):
    """True once the server closed the connection; the read fails the test if it blocks past WAIT."""
    sock.settimeout(WAIT)
    data = b""
    while chunk := sock.recv(4096):
        data += chunk
    return data


@pytest.fixture
def port(rekap):
    with serving(rekap.web_app()) as p:
        yield p


def test_a_connection_that_sends_nothing_is_closed(port):
    with socket.create_connection(("127.0.0.1", port)) as s:
        assert closed_by_server(s) == b""


def test_headers_sent_a_trickle_at_a_time_are_cut_off(port):
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(b"GET /api/v1/contests HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
        assert closed_by_server(s) == b""


def test_an_idle_kept_alive_connection_is_closed(port):
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(b"GET /api/v1/log/head HTTP/1.1\r\nHost: x\r\n\r\n")
        assert closed_by_server(s).startswith(b"HTTP/1.1 200")  # answered, then closed when idle


def test_a_body_that_stops_coming_gets_408(rekap, officer_token):
    from rekap.web.app import create_app
    from rekap.web.guard import WebLimits

    app = create_app(rekap.web_services(), limits=WebLimits(body_timeout=0.5))
    with serving(app, header_timeout=5, idle_timeout=0.5) as p, socket.create_connection(("127.0.0.1", p)) as s:
        s.sendall(f"POST /api/v1/submissions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {officer_token}\r\n"
                  "Content-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"tps\":".encode())  # fmt: skip
        assert closed_by_server(s).startswith(b"HTTP/1.1 408")


def test_reads_beyond_the_limit_get_a_fast_503_and_submissions_still_go_through(rekap, officer_token):
    from rekap.web.app import create_app
    from rekap.web.guard import WebLimits

    client = TestClient(create_app(rekap.web_services(), limits=WebLimits(max_reads=0)))
    r = client.get("/api/v1/contests")
    assert r.status_code == 503 and r.json()["type"] == "/problems/busy" and r.headers["Retry-After"]
    r = client.post("/api/v1/submissions", json={"tps": TPS, "contest": CONTEST, "result": clean_result()},
                    headers={"Authorization": f"Bearer {officer_token}"})
    assert r.status_code == 201
