"""The front copy: a repeated public read is answered by the guard with the route's own bytes, and never once the
log has moved, for a logged-in reader or after its second."""

import asyncio
from collections.abc import Callable

import pytest
from conftest import CONTEST, TPS, clean_result
from fastapi.testclient import TestClient

from rekap.web import front

HEADERS_OF_EVERY_ANSWER = ("content-security-policy", "x-content-type-options", "etag", "cache-control", "vary")


@pytest.fixture
def versions_asked(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each time a route asks what its answer depends on: the front answers without asking."""
    count = client.app.state.services.real_count
    asked: list[str] = []

    def counting(original: Callable[..., object]) -> Callable[..., object]:
        def ask(*args: object) -> object:
            asked.append(str(args[0]))
            return original(*args)

        return ask

    monkeypatch.setattr(count, "region_version", counting(count.region_version))
    client.get(f"/api/v1/contests/{CONTEST}/totals/31")  # the first read loads the read model: the log "moves"
    return asked


def test_a_repeat_is_answered_by_the_front_with_the_routes_bytes_and_headers(client, versions_asked):
    first = client.get("/", headers={"Accept-Encoding": "gzip"})
    asked = len(versions_asked)
    second = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert len(versions_asked) == asked  # no route ran
    assert second.content == first.content and second.headers["etag"] == first.headers["etag"]
    assert second.headers["content-encoding"] == "gzip"
    for name in HEADERS_OF_EVERY_ANSWER:
        assert second.headers[name] == first.headers[name]
    again = client.get("/", headers={"If-None-Match": first.headers["etag"], "Accept-Encoding": "gzip"})
    assert again.status_code == 304
    head = client.head("/", headers={"Accept-Encoding": "gzip"})
    assert head.status_code == 200 and head.content == b"" and head.headers["etag"] == first.headers["etag"]


def test_a_commit_makes_the_kept_answer_stale_at_once(client, officer_token):
    url = f"/api/v1/contests/{CONTEST}/totals/31"
    before = client.get(url).json()
    assert client.get(url).json() == before  # kept
    result = {"tps": TPS, "contest": CONTEST, "result": clean_result(votes=(130, 140))}
    auth = {"Authorization": f"Bearer {officer_token}"}
    assert client.post("/api/v1/submissions", json=result, headers=auth).is_success
    after = client.get(url).json()
    assert [v["votes"] for v in after["votes"]] == [130, 140]


def test_a_logged_in_or_token_reader_always_reaches_the_route(client, versions_asked):
    client.get("/")
    asked = len(versions_asked)
    client.cookies.set("rk_session", "someone")
    client.get("/")
    client.cookies.clear()
    client.get("/", headers={"Authorization": "Bearer x"})
    assert len(versions_asked) == asked + 2


def test_a_kept_answer_is_asked_of_its_route_again_after_its_time(client, versions_asked, monkeypatch):
    monkeypatch.setattr(front, "KEEP_SECONDS", 0.0)
    client.get("/")
    asked = len(versions_asked)
    client.get("/")
    assert len(versions_asked) > asked


def test_another_query_is_another_answer(client):
    assert client.get("/?lang=en").content != client.get("/").content
    assert client.get("/?lang=en").content == client.get("/?lang=en").content


def test_with_every_build_slot_taken_a_page_with_a_copy_gets_its_copy_and_one_without_waits():
    from types import SimpleNamespace

    from starlette.requests import Request

    from rekap.web.cache import AnswerCache
    from rekap.web.pages import render

    app = SimpleNamespace(state=SimpleNamespace(answers=AnswerCache()))

    def request(path: str) -> Request:
        return Request({"type": "http", "path": path, "query_string": b"", "headers": [], "app": app})

    def quiet() -> bool:
        return False

    async def story() -> list[bytes]:
        await render.cached(request("/old"), 1, lambda: b"old page v1", quiet)
        slots = render._slots()
        for _ in range(render.MAX_BUILDS):
            await slots.acquire()
        served = [(await render.cached(request("/old"), 2, lambda: b"old page v2", quiet)).body]
        waiting = asyncio.ensure_future(render.cached(request("/new"), 1, lambda: b"new page", quiet))
        await asyncio.sleep(0.01)
        assert not waiting.done()  # no copy to give: it waits for a slot, not for the CPU
        slots.release()
        served.append((await waiting).body)
        served.append((await render.cached(request("/old"), 2, lambda: b"old page v2", quiet)).body)
        return served

    assert asyncio.run(story()) == [b"old page v1", b"new page", b"old page v2"]


def test_while_the_log_is_busy_a_kept_answer_is_served_only_as_old_as_its_route_allows(
    client, officer_token, monkeypatch
):
    from types import SimpleNamespace

    from rekap.web.api.public import TOTALS_MAX_STALE

    front_copy = client.app.state.front
    url = f"/api/v1/contests/{CONTEST}/totals/31"
    client.get(url)
    client.get(url)  # kept
    result = {"tps": TPS, "contest": CONTEST, "result": clean_result(votes=(130, 140))}
    client.post("/api/v1/submissions", json=result, headers={"Authorization": f"Bearer {officer_token}"})
    front_copy.busy = lambda: True
    scope = {"type": "http", "path": url, "query_string": b"", "headers": [(b"host", b"testserver")]}
    built = next(iter(front_copy._kept.values())).answer.built
    now = [built + TOTALS_MAX_STALE / 2]
    monkeypatch.setattr(front, "time", SimpleNamespace(monotonic=lambda: now[0]))
    assert front_copy.answer(scope) is not None  # a total may be a tenth of a second old while results pour in
    now[0] = built + TOTALS_MAX_STALE * 2
    assert front_copy.answer(scope) is None  # and no older


def test_a_tps_answer_is_served_by_the_front_while_no_entry_of_its_tps_comes_in(client, officer_token, monkeypatch):
    from conftest import KELURAHAN

    answers = client.app.state.answers
    routed: list[object] = []
    original = answers.peek

    def peek(key, *args, **kwargs):
        routed.append(key)
        return original(key, *args, **kwargs)

    monkeypatch.setattr(answers, "peek", peek)
    auth = {"Authorization": f"Bearer {officer_token}"}
    url = f"/api/v1/tps/{TPS}"
    before = client.get(url).json()
    elsewhere = {"tps": f"{KELURAHAN}-002", "contest": CONTEST, "result": clean_result(dpt=603)}
    assert client.post("/api/v1/submissions", json=elsewhere, headers=auth).is_success  # the log moved
    routed.clear()
    assert client.get(url).json() == before
    assert ("tps", TPS) not in routed  # the front answered: nothing of this TPS changed
    result = {"tps": TPS, "contest": CONTEST, "result": clean_result(votes=(130, 140))}
    assert client.post("/api/v1/submissions", json=result, headers=auth).is_success
    after = client.get(url).json()
    assert ("tps", TPS) in routed  # a new entry of the TPS: its route builds it again
    assert after["results"][0]["submissions"][-1]["result"]["votes"] == {"2": 130, "3": 140}
