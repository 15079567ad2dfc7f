"""The ingest hot path: group commits, idempotency keys checked under the write lock, the token cache."""

import pytest
from conftest import CONTEST, TPS, clean_result

from rekap.bootstrap import open_context
from rekap.domain.errors import IdempotencyConflict, Unauthorized, UnknownTps
from rekap.domain.log import Entry
from rekap.domain.result import Result
from rekap.domain.submission import Report, plan_submission
from rekap.services import audit, tokens
from rekap.store.ledger import Command, Once, Replayed


def _result(dpt: int, a: int = 5, b: int = 10) -> Result:
    return Result({2: a, 3: b}, a + b, 1, a + b + 1, dpt - a - b - 1, 0, dpt, 0, 0, a + b + 1)


def _command(ctx, token, code, key=None, digest="d1", a=5):
    report = Report(code, CONTEST, _result(ctx.ledger.state.tps[code].dpt if code in ctx.ledger.state.tps else 0, a))
    reporter = token.reporter()
    plan = lambda state: plan_submission(state, report, reporter, ctx.settings.rejecting_sources)  # noqa: E731
    return Command(plan, once=Once(token.id, key, digest) if key else None)


def test_one_batch_replays_a_key_it_used_itself_and_refuses_another_body(ctx):
    token = tokens.authenticate(ctx, tokens.create_token(ctx, "kpps", "officer", "test")[1])
    a, b = sorted(ctx.ledger.state.tps)[:2]
    first, again, other_body, bad, neighbour = ctx.ledger.append_batch([
        _command(ctx, token, a, key="k"),
        _command(ctx, token, a, key="k"),
        _command(ctx, token, a, key="k", digest="d2", a=6),
        _command(ctx, token, "31.71.01.1001-999"),
        _command(ctx, token, b, key="k2"),
    ])
    assert isinstance(first, Entry) and again == Replayed(first.seq)
    assert isinstance(other_body, IdempotencyConflict) and other_body.field == "Idempotency-Key"
    assert isinstance(bad, UnknownTps)
    assert isinstance(neighbour, Entry) and neighbour.seq == first.seq + 1
    # the keys were stored with the entries: the next batch replays them from the database
    [later] = ctx.ledger.append_batch([_command(ctx, token, b, key="k2")])
    assert later == Replayed(neighbour.seq)
    assert ctx.ledger.state.submission_count == 2


def test_a_command_that_breaks_its_transaction_fails_alone(ctx):
    token = tokens.authenticate(ctx, tokens.create_token(ctx, "kpps", "officer", "test")[1])
    codes = sorted(ctx.ledger.state.tps)[:3]

    def explode(conn, entry, state):
        raise RuntimeError("disk on fire")

    broken = _command(ctx, token, codes[2])
    fine = [_command(ctx, token, c) for c in codes[:2]]  # built first: building reads the state, under the lock
    with ctx.ledger._lock:  # hold the writer back so that the later two queue up into one batch
        good = [ctx.ledger.submit(cmd) for cmd in fine]
        failing = ctx.ledger.submit(Command(broken.plan, explode))
    assert all(isinstance(f.result(timeout=30), Entry) for f in good)
    with pytest.raises(RuntimeError):
        failing.result(timeout=30)
    assert ctx.ledger.state.submission_count == 2
    assert audit.verify_local(ctx).ok


def post(client, secret):
    body = {"tps": TPS, "contest": CONTEST, "result": clean_result()}
    return client.post("/api/v1/submissions", json=body, headers={"Authorization": f"Bearer {secret}"})


def test_a_token_in_use_is_refused_as_soon_as_it_is_revoked(client, ctx):
    info, secret = tokens.create_token(ctx, "kpps", "officer", "test")
    assert post(client, secret).status_code == 201  # now known to this process
    tokens.revoke_token(ctx, info.id, "test")
    r = post(client, secret)
    assert r.status_code == 401 and r.json()["type"] == "/problems/unauthorized"


def test_another_worker_refuses_a_revoked_token_once_it_folds_the_revocation(ctx, settings):
    other = open_context(settings, create=False)  # a second worker process: own ledger, own cache
    try:
        info, secret = tokens.create_token(ctx, "kpps", "officer", "test")
        other.ledger.state  # noqa: B018 - folded, as a serving worker's is from its start
        assert tokens.authenticate(other, secret).id == info.id
        tokens.revoke_token(ctx, info.id, "test")
        other.ledger.catch_up()  # what its follower does when PostgreSQL (or the SQLite poll) tells it
        with pytest.raises(Unauthorized):
            tokens.authenticate(other, secret)
    finally:
        other.db.dispose()
