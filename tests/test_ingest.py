"""The ingest hot path: group commits, idempotency keys checked under the write lock, the token cache."""

import pytest
from conftest import CONTEST, TPS, clean_result

from rekap.bootstrap import Rekap
from rekap.domain.errors import IdempotencyConflict, Unauthorized, UnknownTps
from rekap.domain.result import Result
from rekap.domain.submission import Submission, plan_submission
from rekap.log.commands import Appended, Command, IdempotencyKey, Replayed


def _result(dpt: int, a: int = 5, b: int = 10) -> Result:
    return Result({2: a, 3: b}, a + b, 1, a + b + 1, dpt - a - b - 1, 0, dpt, 0, 0, a + b + 1)


def _command(rekap, token, code, key=None, digest="d1", a=5):
    tps = rekap.writer.state.tps
    sub = Submission(code, CONTEST, _result(tps[code].dpt if code in tps else 0, a))
    reporter = token.reporter()
    plan = lambda state: plan_submission(state, sub, reporter, rekap.settings.rejecting_sources)  # noqa: E731
    return Command(plan, key=IdempotencyKey(token.id, key, digest) if key else None)


def test_one_batch_replays_a_key_it_used_itself_and_refuses_another_body(rekap):
    token = rekap.tokens.authenticate(rekap.tokens.create("kpps", "officer", "test")[1])
    a, b = sorted(rekap.writer.state.tps)[:2]
    first, again, other_body, bad, neighbour = rekap.writer.append_batch([
        _command(rekap, token, a, key="k"),
        _command(rekap, token, a, key="k"),
        _command(rekap, token, a, key="k", digest="d2", a=6),
        _command(rekap, token, "31.71.01.1001-999"),
        _command(rekap, token, b, key="k2"),
    ])
    assert isinstance(first, Appended) and again == Replayed(first.entry.seq)
    assert isinstance(other_body, IdempotencyConflict) and other_body.field == "Idempotency-Key"
    assert isinstance(bad, UnknownTps)
    assert isinstance(neighbour, Appended) and neighbour.entry.seq == first.entry.seq + 1
    # the keys were stored with the entries: the next batch replays them from the database
    [later] = rekap.writer.append_batch([_command(rekap, token, b, key="k2")])
    assert later == Replayed(neighbour.entry.seq)
    assert rekap.writer.state.submission_count == 2


def test_a_command_that_breaks_its_transaction_fails_alone(rekap):
    token = rekap.tokens.authenticate(rekap.tokens.create("kpps", "officer", "test")[1])
    codes = sorted(rekap.writer.state.tps)[:3]

    def explode(conn, entry):
        raise RuntimeError("disk on fire")

    broken = _command(rekap, token, codes[2])
    fine = [_command(rekap, token, c) for c in codes[:2]]  # built first: building reads the state, under the lock
    with rekap.writer.lock:  # hold the writer back so that the later two queue up into one batch
        good = [rekap.writer.submit(cmd) for cmd in fine]
        failing = rekap.writer.submit(Command(broken.plan, (explode,)))
    assert all(isinstance(f.result(timeout=30), Appended) for f in good)
    with pytest.raises(RuntimeError):
        failing.result(timeout=30)
    assert rekap.writer.state.submission_count == 2
    assert rekap.verify().ok


def post(client, secret):
    body = {"tps": TPS, "contest": CONTEST, "result": clean_result()}
    return client.post("/api/v1/submissions", json=body, headers={"Authorization": f"Bearer {secret}"})


def test_a_token_in_use_is_refused_as_soon_as_it_is_revoked(client, rekap):
    info, secret = rekap.tokens.create("kpps", "officer", "test")
    assert post(client, secret).status_code == 201  # now known to this process
    rekap.tokens.revoke(info.id, "test")
    r = post(client, secret)
    assert r.status_code == 401 and r.json()["type"] == "/problems/unauthorized"


def test_another_worker_refuses_a_revoked_token_once_it_folds_the_revocation(rekap, settings):
    other = Rekap.open(settings, create=False)  # a second worker process: own log writer, own cache
    try:
        info, secret = rekap.tokens.create("kpps", "officer", "test")
        other.writer.state  # noqa: B018 - folded, as a serving worker's is from its start
        assert other.tokens.authenticate(secret).id == info.id
        rekap.tokens.revoke(info.id, "test")
        other.writer.catch_up()  # what its follower does when PostgreSQL (or the SQLite poll) tells it
        with pytest.raises(Unauthorized):
            other.tokens.authenticate(secret)
    finally:
        other.close()
