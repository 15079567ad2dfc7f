"""The nginx config of docs/deploy.md, run as written (TLS aside) in front of a real rekap: what it promises
holds — the public site and the field host both reach rekap, a JSON body above 64 KiB stops at the proxy, a
photo does not (nor a result sent with its photo), and a read flood from one address is cut to its rate with 503s."""

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from browser.live_server import serve

DEPLOY = Path(__file__).parent.parent / "docs" / "deploy.md"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def documented_config() -> str:
    blocks = re.findall(r"```nginx\n(.*?)```", DEPLOY.read_text(), re.S)
    assert len(blocks) == 1, "docs/deploy.md has one nginx config"
    return blocks[0]


def runnable(config: str, listen: int, rekap_port: int, tmp: Path) -> str:
    """The documented config on a loopback port, without TLS, in front of `rekap_port` (both upstreams)."""
    config = re.sub(r"listen 443 ssl http2;", f"listen 127.0.0.1:{listen};", config)
    config = re.sub(r"\n\s*ssl_certificate(_key)? [^;]+;", "", config)
    config = re.sub(r"server 127\.0\.0\.1:800[01];", f"server 127.0.0.1:{rekap_port};", config)
    temp = "".join(f"{kind}_temp_path {tmp / kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return (
        f"daemon off;\nuser root;\npid {tmp / 'nginx.pid'};\nerror_log {tmp / 'error.log'} warn;\n"
        f"events {{ worker_connections 256; }}\nhttp {{\naccess_log off;\n{temp}{config}\n}}\n"
    )


@pytest.fixture
def proxied(client, tmp_path):
    if not os.path.exists(NGINX):
        if os.environ.get("REKAP_REQUIRE_PROXY"):  # CI installs it: there a missing nginx is a failure
            pytest.fail("nginx is not installed")
        pytest.skip("nginx is not installed")
    from test_writer import free_port

    with serve(client.app) as rekap_url:
        listen = free_port()
        conf = tmp_path / "nginx.conf"
        conf.write_text(runnable(documented_config(), listen, int(rekap_url.rsplit(":", 1)[1]), tmp_path))
        proc = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(tmp_path)], stderr=subprocess.PIPE)
        base = f"http://127.0.0.1:{listen}"
        try:
            deadline = time.monotonic() + 10
            while True:
                assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else "nginx exited"
                try:
                    httpx.get(base + "/api/v1/log/head", headers={"Host": "rekap.example.id"}, timeout=1)
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, "nginx did not answer"
                    time.sleep(0.05)
            yield base
        finally:
            proc.terminate()
            proc.wait(10)


def test_the_documented_nginx_config_holds_in_front_of_rekap(proxied):
    public, field = {"Host": "rekap.example.id"}, {"Host": "lapor.example.id"}
    with httpx.Client(base_url=proxied, timeout=10) as http:
        page = http.get("/api/v1/log/head", headers=public)
        assert page.status_code == 200 and "content-security-policy" in page.headers  # rekap answered
        assert http.get("/api/v1/log/head", headers=field).status_code == 200  # the field host reaches it too

        big = b'{"nik": "' + b"x" * 100_000 + b'"}'
        refused = http.post("/api/v1/find-my-tps", content=big, headers=public | {"Content-Type": "application/json"})
        assert refused.status_code == 413 and "content-security-policy" not in refused.headers  # stopped at nginx

        form = {"Content-Type": "multipart/form-data; boundary=b"}
        with_photo = http.post("/api/v1/submissions", content=b"\xff" * 1_000_000, headers=public | form)
        assert with_photo.status_code == 401 and "content-security-policy" in with_photo.headers  # reached rekap

        photo = http.put("/api/v1/photos/" + "0" * 64, content=b"\xff" * 1_000_000, headers=public)
        assert photo.status_code == 401  # through the proxy to rekap, which wants a token

        started = time.monotonic()
        codes = [http.get("/api/v1/log/head", headers=public).status_code for _ in range(300)]
        elapsed = time.monotonic() - started
        # 50 a second and a burst of 100 from one address; the rest gets 503 (however slow this machine is)
        assert 100 <= codes.count(200) <= 100 + 50 * elapsed + 5
        assert codes.count(200) + codes.count(503) == 300
