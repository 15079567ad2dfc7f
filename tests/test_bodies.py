"""Request bodies from anyone: a write's token is checked before its body is read, every body is capped and
refused as soon as it is known to be too large, and a slow giant upload holds up no other request."""

import json
import socket

import pytest
from browser.live_server import serve
from conftest import CONTEST, TPS, clean_result

TIMEOUT = 10  # generous: each wait below is for an answer that comes at once or never


def connect(base):
    host, port = base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=TIMEOUT)
    return sock


def read_status(sock):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), head.decode("latin-1"), rest


def request_head(path, token, **headers):
    lines = [f"POST {path} HTTP/1.1", "Host: x", "Content-Type: application/json"]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    lines += [f"{k.replace('_', '-')}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


@pytest.fixture
def server(rekap):
    with serve(rekap.web_app()) as base:
        yield base


def test_a_bad_token_is_refused_before_a_100_mb_body_is_sent(server):
    with connect(server) as sock:
        sock.sendall(request_head("/api/v1/submissions", "rk_guess", Content_Length=100_000_000))
        status = read_status(sock)[0]  # not one byte of the body was sent
    assert status == 401


def test_a_declared_100_mb_body_is_refused_before_it_is_sent(server, officer_token):
    with connect(server) as sock:
        sock.sendall(request_head("/api/v1/submissions", officer_token, Content_Length=100_000_000))
        status, head, _ = read_status(sock)
    assert status == 413
    assert "application/problem+json" in head


def test_a_slow_chunked_giant_is_cut_off_while_other_requests_are_answered(server, officer_token):
    chunk = b"[" + b" " * 32_766 + b"\n"
    sent = 0
    with connect(server) as upload:
        upload.sendall(request_head("/api/v1/submissions", officer_token, Transfer_Encoding="chunked"))
        upload.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        sent += len(chunk)
        with connect(server) as reader:  # the upload is open and unfinished: a read is answered meanwhile
            reader.sendall(b"GET /api/v1/log/head HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert read_status(reader)[0] == 200
        upload.settimeout(0.05)
        status = None
        while status is None and sent < 100_000_000:
            try:
                upload.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
                upload.settimeout(0.05)
                status = read_status(upload)[0]
            except (TimeoutError, BlockingIOError):
                continue
            except (BrokenPipeError, ConnectionResetError):
                upload.settimeout(TIMEOUT)
                status = read_status(upload)[0]
    assert status == 413
    assert sent <= 1_000_000  # refused at the cap (64 KiB), not after the 100 MB


def test_a_submission_under_the_cap_still_goes_through(server, officer_token):
    body = json.dumps({"tps": TPS, "contest": CONTEST, "result": clean_result()}).encode()
    with connect(server) as sock:
        sock.sendall(request_head("/api/v1/submissions", officer_token, Content_Length=len(body)) + body)
        assert read_status(sock)[0] == 201


def test_the_json_cap_is_a_setting(rekap, officer_token):
    from dataclasses import replace

    from fastapi.testclient import TestClient

    rekap.settings = replace(rekap.settings, max_body_bytes=100)
    client = TestClient(rekap.web_app())
    r = client.post("/api/v1/submissions", json={"tps": TPS, "contest": CONTEST, "result": clean_result()},
                    headers={"Authorization": f"Bearer {officer_token}"})
    assert r.status_code == 413 and r.json()["type"] == "/problems/body-too-large"
