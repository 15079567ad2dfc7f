"""A TPS page a new result made stale is built from the history kept in memory: the same page the database gives,
kept current by every committed entry (a correction, a witness's copy, a confirmation, photos sent alone), bounded,
and never showing a number before it is committed."""

import hashlib
import sys
import threading
import time

from conftest import CONTEST, TPS, clean_result
from fastapi.testclient import TestClient
from test_api_photos import image_bytes

from rekap.bootstrap import Rekap
from rekap.store import log_table
from rekap.store import results as stored

GAMBIR_4 = "31.71.01.1001-004"  # DPT 493


def post(client, secret, result, tps=TPS, **extra):
    body = {"tps": tps, "contest": CONTEST, "result": result, **extra}
    r = client.post("/api/v1/submissions", json=body, headers={"Authorization": f"Bearer {secret}"})
    assert r.status_code == 201, r.text
    return r.json()


def from_database(rekap, code):
    with rekap.db.reader.connect() as conn:
        return rekap.tps._view(code, stored.tps_history(conn, code))


def some_tps(rekap, n):
    return sorted(t.code for t in rekap.read_model.committed_tps())[:n]


def no_queries(rekap, monkeypatch):
    def refused(*args):
        raise AssertionError("a TPS page read the database")

    monkeypatch.setattr(stored, "tps_history", refused)
    monkeypatch.setattr(stored, "tps_history_async", refused)


def test_each_change_of_a_shown_tps_is_in_its_page_without_a_query(rekap, client, officer_token, monkeypatch):
    first = post(client, officer_token, clean_result(votes=(130, 140)))
    assert client.get(f"/api/v1/tps/{TPS}").is_success  # read once: its history is now kept
    operator = rekap.tokens.create("operator test", "operator", "31.71")[1]
    saksi = rekap.tokens.create("saksi test", "witness", "31.71.01.1001", candidate=2)[1]
    expected = from_database(rekap, TPS)
    steps = [
        lambda: post(client, saksi, clean_result(votes=(150, 120))),  # sources disagree
        lambda: post(client, operator, clean_result(votes=(131, 140)), corrects=first["seq"], reason="misread 130"),
        lambda: post(client, officer_token, clean_result(votes=(131, 141))),
    ]
    for step in steps:
        step()
        with monkeypatch.context() as m:
            no_queries(rekap, m)
            shown = rekap.tps.detail(TPS)
            answered = client.get(f"/api/v1/tps/{TPS}").json()
        expected = from_database(rekap, TPS)
        assert shown == expected
        assert (
            answered["results"][0]["submissions"] == client.get(f"/tps/{TPS}.json").json()["results"][0]["submissions"]
        )
    assert [s.result["votes"] for s in expected.results[0].submissions] == [
        {"2": 130, "3": 140},
        {"2": 150, "3": 120},
        {"2": 131, "3": 140},
        {"2": 131, "3": 141},
    ]
    assert expected.results[0].accepted["disagreement"] is True


def test_a_tps_that_gets_its_first_result_is_shown_from_memory(rekap, client, officer_token, monkeypatch):
    rekap.read_model.structure  # noqa: B018 - loaded before the first result, as a server does at start
    post(client, officer_token, clean_result())
    with monkeypatch.context() as m:
        no_queries(rekap, m)
        shown = rekap.tps.detail(TPS)
    assert shown == from_database(rekap, TPS)


def test_a_confirmation_of_a_held_result_is_in_its_kept_history(rekap, client):
    volunteer = rekap.tokens.create("volunteer test", "volunteer", "31.71.01.1001")[1]
    operator = rekap.tokens.create("operator test", "operator", "31.71")[1]
    held = {"votes": {"2": 300, "3": 190}, "valid": 490, "invalid": 20, "used": 510, "unused": 0, "damaged": 0,
            "dpt": 493, "dptb": 0, "dpk": 30, "voters": 510}  # fmt: skip
    seq = post(client, volunteer, held, tps=GAMBIR_4)["seq"]
    assert client.get(f"/api/v1/tps/{GAMBIR_4}").json()["results"][0]["accepted"]["held"] is True
    r = client.post(
        f"/api/v1/submissions/{seq}/confirm", json={"reason": "ballots from TPS 005"},
        headers={"Authorization": f"Bearer {operator}"},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    assert rekap.tps_histories.get(GAMBIR_4) is not None
    assert rekap.tps.detail(GAMBIR_4) == from_database(rekap, GAMBIR_4)
    assert rekap.tps.detail(GAMBIR_4).results[0].accepted["held"] is False


def test_photos_sent_alone_show_on_a_kept_page_at_once(rekap, client, officer_token):
    post(client, officer_token, clean_result())
    page = client.get(f"/tps/{TPS}").text
    volunteer = {"Authorization": f"Bearer {rekap.tokens.create('volunteer test', 'volunteer', TPS)[1]}"}
    photo = image_bytes()
    sha = hashlib.sha256(photo).hexdigest()
    up = client.put(f"/api/v1/photos/{sha}", content=photo, headers={**volunteer, "Content-Type": "image/jpeg"})
    assert up.is_success, up.text
    body = {"tps": TPS, "contest": CONTEST, "photos": [sha]}
    assert client.post("/api/v1/photo-reports", json=body, headers=volunteer).status_code == 201
    assert sha not in page and sha in client.get(f"/tps/{TPS}").text
    assert rekap.tps.detail(TPS) == from_database(rekap, TPS)


def test_the_histories_kept_are_bounded(rekap, client, officer_token):
    histories = rekap.tps_histories
    histories.max_histories = 3
    codes = some_tps(rekap, 5)
    for code in codes:
        client.get(f"/api/v1/tps/{code}")
    assert len(histories) == 3 and histories.get(codes[0]) is None and histories.get(codes[-1]) is not None


def deep_size(obj, seen=None):
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return 0
    seen.add(id(obj))
    size = sys.getsizeof(obj)
    if isinstance(obj, dict):
        size += sum(deep_size(k, seen) + deep_size(v, seen) for k, v in obj.items())
    elif isinstance(obj, list | tuple):
        size += sum(deep_size(x, seen) for x in obj)
    elif hasattr(obj, "__slots__"):
        size += sum(deep_size(getattr(obj, f), seen) for f in obj.__slots__)
    return size


def test_a_kept_history_is_small(rekap, client, officer_token):
    """MAX_HISTORIES × this is what the histories cost a process at most: 20,000 × ~4 KB ≈ 80 MB."""
    post(client, officer_token, clean_result())
    saksi = rekap.tokens.create("saksi test", "witness", "31.71.01.1001", candidate=2)[1]
    post(client, saksi, clean_result(votes=(150, 120)))
    rekap.tps.detail(TPS)
    size = deep_size(rekap.tps_histories.get(TPS))
    assert size < 6_000, size


def test_a_tps_page_read_during_ingest_shows_each_result_within_a_second_and_nothing_uncommitted(
    rekap, client, officer_token
):
    """The real database, results arriving while the page is read: each shown submission was committed when the
    page was answered (the log's head was at or past it), and each acknowledged one is shown within a second."""
    codes = some_tps(rekap, 8)
    for code in codes:
        client.get(f"/api/v1/tps/{code}")
    dpts = {t.code: t.dpt for t in rekap.read_model.committed_tps()}
    acked: dict[int, float] = {}
    errors: list[BaseException] = []

    def ingest() -> None:
        try:
            for i in range(40):
                code = codes[i % len(codes)]
                seq = post(client, officer_token, clean_result(dpt=dpts[code], votes=(100 + i, 90)), tps=code)["seq"]
                acked[seq] = time.monotonic()
                time.sleep(0.005)
        except BaseException as err:
            errors.append(err)

    writer = threading.Thread(target=ingest)
    writer.start()
    first_seen: dict[int, float] = {}
    shown: dict[int, dict] = {}
    while writer.is_alive() or len(first_seen) < len(acked):
        for code in codes:
            answer = client.get(f"/api/v1/tps/{code}").json()
            at = time.monotonic()
            with rekap.db.reader.connect() as conn:
                head = log_table.head_seq(conn)
            for sub in answer["results"][0]["submissions"]:
                assert sub["seq"] <= head, "a submission shown before it was committed"
                first_seen.setdefault(sub["seq"], at)
                shown[sub["seq"]] = sub
        if not writer.is_alive() and time.monotonic() - max(acked.values(), default=0) > 2:
            break
    writer.join()
    assert not errors, errors
    delays = [first_seen[seq] - at for seq, at in acked.items() if seq in first_seen]
    assert len(delays) == len(acked) == 40
    assert max(delays) <= 1.0, max(delays)
    for code in codes:  # what was shown is what the log holds
        for sub in from_database(rekap, code).results[0].submissions:
            assert shown[sub.seq]["result"] == sub.result and shown[sub.seq]["hash"] == sub.hash


def test_a_history_that_cannot_follow_a_commit_is_forgotten_and_the_write_stands(
    rekap, client, officer_token, monkeypatch
):
    client.get(f"/api/v1/tps/{TPS}")
    assert rekap.tps_histories.get(TPS) is not None

    def broken(*args):
        raise RuntimeError("a bug")

    monkeypatch.setattr(rekap.tps_histories, "_add", broken)
    seq = post(client, officer_token, clean_result())["seq"]
    assert rekap.tps_histories.get(TPS) is None
    assert [s.seq for s in rekap.tps.detail(TPS).results[0].submissions] == [seq]


def test_histories_read_before_the_first_commit_are_kept_through_it(rekap, officer_token):
    """A server's first pages are read before any result comes in: the first commit must not forget them."""
    fresh = Rekap.open(rekap.settings, create=False)  # a process started after the log's last entry
    try:
        fresh.read_model.structure  # noqa: B018 - as `start` does
        other = some_tps(fresh, 2)[1]
        fresh.tps.detail(TPS)
        post(TestClient(fresh.web_app()), officer_token, clean_result(dpt=fresh.tps.detail(other).dpt), tps=other)
        assert fresh.tps_histories.get(TPS) is not None
    finally:
        fresh.close()
