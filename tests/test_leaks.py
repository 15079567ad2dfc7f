"""No personal data reaches the public side: after a register, committees' contacts and officers' health data
are in, every public API answer, page, download, SSE message and the exported log is scanned for them."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re

from conftest import CONTEST
from fastapi.testclient import TestClient
from info_data import CIDENG, PHONE, VOTERS, committees, register, tps_with_addresses

from rekap.domain.health import Declaration
from rekap.domain.register import nik_digest
from rekap.web.sse import Hub, Reader, Topic

TPS = f"{CIDENG}-001"
HEALTH = ["hipertensi", "sesak", "pingsan di dekat TPS", "kpps-leak-1", "tekanan darah 180"]
TOPICS = [f"r:{CONTEST}:31", f"r:{CONTEST}:{CIDENG}", f"t:{TPS}"]


def _secrets(rekap) -> list[str]:
    key = rekap.register_key.get()
    out = [PHONE, "081298765432", "081311112222", "ppk.gambir@example.org", *HEALTH]
    for nik, name, _sex, birth, _tps in VOTERS:
        out += [nik, nik_digest(key, nik), name, name.upper(), birth]
    return out


def _public_urls(client: TestClient) -> list[str]:
    """Every GET the OpenAPI lists and every page, with known values for their parameters."""
    values = {
        "contest_id": CONTEST,
        "region_code": CIDENG,
        "code": CIDENG,
        "tps_code": TPS,
        "election_id": "pilkada-dki-2017-r2",
    }
    urls = []
    for path, ops in client.get("/openapi.json").json()["paths"].items():
        if "get" not in ops or path.startswith(("/api/v1/admin", "/api/v1/health", "/api/v1/events")):
            continue
        if "{sha256}" in path:
            continue
        urls.append(re.sub(r"\{(\w+)\}", lambda m: values[m[1]], path))
    for code in ("31", "31.71", "31.71.01", CIDENG):
        urls += [f"/c/{CONTEST}/r/{code}", f"/c/{CONTEST}/r/{code}.csv", f"/c/{CONTEST}/r/{code}.json",
                 f"/directory/{code}", f"/directory/{code}.csv", f"/api/v1/tps-directory/{code}"]  # fmt: skip
    urls += ["/", "/?lang=en", f"/tps/{TPS}", f"/tps/{TPS}.csv", f"/tps/{TPS}.json", f"/api/v1/tps/{TPS}/info",
             "/schedule", "/schedule.csv", "/committees.csv", "/find", "/health", f"/wall/{CONTEST}",
             "/api/v1/log?limit=1000", "/api/v1/log/head", "/openapi.json", "/docs"]  # fmt: skip
    for q in ("siti", "rahmawati", "3171014101800001", "cideng 1", "0812", "hipertensi"):
        urls += [f"/search?q={q}", f"/api/v1/search?q={q}"]
    return urls


def test_no_personal_data_reaches_any_public_answer(rekap, tmp_path, officer_token):
    rekap.imports.tps(tps_with_addresses(tmp_path), "test")
    rekap.committees.import_csv(committees(tmp_path), "test")
    sse: list[str] = []

    async def listen_while_importing() -> None:
        hub = Hub(rekap.web_services(), asyncio.get_running_loop())
        reader = Reader()
        hub.join([Topic.parse(t, "id") for t in TOPICS], reader)
        try:
            await asyncio.wait_for(reader.ready.wait(), 3)
            sse.extend(reader.take())
            await asyncio.to_thread(rekap.register.import_file, register(tmp_path), "DPT", "test")
            with contextlib.suppress(TimeoutError):  # a change of DPT alone may change no value a page shows
                await asyncio.wait_for(reader.ready.wait(), 2)
            sse.extend(reader.take())
        finally:
            hub.close()

    asyncio.run(listen_while_importing())
    assert any(TPS in m for m in sse)  # the stream was listened to, from before the register came in
    rekap.health.declare(Declaration("kpps-leak-1", TPS, 64, ("hipertensi",), 2))
    rekap.health.check_in("kpps-leak-1", TPS, "start", ["sesak"])
    rekap.health.need_help("kpps-leak-1", TPS, -6175000, 106810000, "pingsan di dekat TPS, tekanan darah 180")
    secrets = _secrets(rekap)
    client = TestClient(rekap.web_app())

    answers: dict[str, str] = {}
    for url in _public_urls(client):
        r = client.get(url)
        assert r.status_code < 500, url
        asked = url.partition("q=")[2]
        answers[url] = r.text.replace(asked, "") if asked else r.text  # what the reader typed comes back
    found = client.post("/find", data={"nik": VOTERS[0][0], "birth_date": VOTERS[0][3]})
    api_found = client.post("/api/v1/find-my-tps", json={"nik": VOTERS[0][0], "birth_date": VOTERS[0][3]})
    assert found.status_code == api_found.status_code == 200 and "S*** R***" in found.text
    answers["POST /find"], answers["POST /api/v1/find-my-tps"] = found.text, api_found.text
    answers.update({f"sse {i}": m for i, m in enumerate(sse)})
    out = tmp_path / "export"
    rekap.export(out)
    answers.update({f"export {p.name}": p.read_text(errors="replace") for p in out.rglob("*") if p.is_file()})
    log_kinds = {e["kind"] for e in json.loads(client.get("/api/v1/log?limit=1000").text)["entries"]}
    assert {"register.imported", "committees.imported"} <= log_kinds

    leaks = [(where, s) for where, text in answers.items() for s in secrets if s.lower() in text.lower()]
    assert leaks == []
    assert "/api/v1/health/events" not in answers and client.get("/api/v1/health/events").status_code == 401
