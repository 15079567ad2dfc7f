"""Versioned answers: a new version rebuilds, unless an allowed staleness says the last answer still does."""

import time

from rekap.web.cache import AnswerCache


def test_same_version_is_built_once_and_new_version_rebuilds():
    cache, builds = AnswerCache(), []

    def build(tag):
        builds.append(tag)
        return tag.encode()

    assert cache.get("k", 1, lambda: build("a")).body == b"a"
    assert cache.get("k", 1, lambda: build("b")).body == b"a"
    assert cache.get("k", 2, lambda: build("c")).body == b"c"
    assert builds == ["a", "c"]


def test_allowed_staleness_serves_the_recent_answer_then_expires():
    cache = AnswerCache()
    cache.get("k", 1, lambda: b"old")
    assert cache.get("k", 2, lambda: b"new", max_stale=5.0).body == b"old"
    time.sleep(0.06)
    assert cache.get("k", 2, lambda: b"new", max_stale=0.05).body == b"new"


def test_least_recently_used_answers_are_dropped():
    cache = AnswerCache(max_entries=2)
    for k in ("a", "b", "c"):
        cache.get(k, 1, lambda k=k: k.encode())
    assert cache.get("a", 1, lambda: b"rebuilt").body == b"rebuilt"


def test_totals_answer_is_exact_when_quiet_and_a_tps_answer_follows_its_submissions(client, officer_token):
    from conftest import CONTEST, TPS, clean_result

    auth = {"Authorization": f"Bearer {officer_token}"}
    for votes in ((120, 150), (121, 149)):
        client.post("/api/v1/submissions", json={"tps": TPS, "contest": CONTEST, "result": clean_result(votes=votes)},
                    headers=auth)
        t = client.get(f"/api/v1/contests/{CONTEST}/totals/31").json()
        assert [v["votes"] for v in t["votes"]] == list(votes)
        subs = client.get(f"/api/v1/tps/{TPS}").json()["results"][0]["submissions"]
        assert subs[-1]["result"]["votes"] == {"2": votes[0], "3": votes[1]}


def test_a_cached_answer_is_compressed_once_and_each_encoding_has_its_own_etag(client):
    from conftest import CONTEST

    url = f"/api/v1/contests/{CONTEST}/totals/31"
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    zipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert plain.headers.get("content-encoding") is None
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.json() == plain.json()  # httpx has undone the gzip
    assert zipped.headers["etag"] != plain.headers["etag"]
    again = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["etag"]})
    assert again.status_code == 304
    stale = client.get(url, headers={"Accept-Encoding": "identity", "If-None-Match": zipped.headers["etag"]})
    assert stale.status_code == 200 and stale.json() == plain.json()


def test_a_busy_instance_serves_a_recent_page_and_a_quiet_one_the_exact_version():
    cache = AnswerCache()
    built: list[int] = []

    def build(v: int):
        return lambda: built.append(v) or f"page {v}".encode()

    cache.get_when_busy("home", 1, build(1), busy=lambda: False, max_stale=60)
    assert cache.get_when_busy("home", 2, build(2), busy=lambda: True, max_stale=60).body == b"page 1"
    assert cache.get_when_busy("home", 2, build(2), busy=lambda: False, max_stale=60).body == b"page 2"
    asked: list[bool] = []
    again = cache.get_when_busy("home", 2, build(3), busy=lambda: asked.append(True) or True, max_stale=60)
    assert again.body == b"page 2"
    assert built == [1, 2] and asked == []  # an exact hit does not even ask how busy the log is


def test_pages_under_ingest_are_rebuilt_at_most_once_a_second(client, officer_token, rekap, monkeypatch):
    from conftest import CONTEST, clean_result

    from rekap.web.pages import render

    monkeypatch.setattr(render, "PAGE_MAX_STALE", 3600.0)  # "a moment ago", however slow this machine is today
    monkeypatch.setattr(rekap.real_count, "entries_per_second", lambda: 1000)  # as busy as election night
    first = client.get("/")
    body = {"tps": "31.71.01.1001-001", "contest": CONTEST, "result": clean_result()}
    auth = {"Authorization": f"Bearer {officer_token}"}
    assert client.post("/api/v1/submissions", json=body, headers=auth).is_success
    assert client.get("/").text == first.text  # the page of a moment ago: its live updates carry the new numbers
    monkeypatch.setattr(rekap.real_count, "entries_per_second", lambda: 0)
    assert client.get("/").text != first.text
