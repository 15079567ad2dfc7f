"""The committed read model: readers see what is committed, never a write in flight, and nothing is missed."""

import pytest
from conftest import CONTEST

from rekap.bootstrap import open_context
from rekap.domain.result import Result
from rekap.domain.submission import Report, plan_submission
from rekap.services import submissions, tokens
from rekap.store.ledger import Command


def _result(ctx, code, a=5, b=10):
    dpt = ctx.ledger.state.tps[code].dpt
    return Result({2: a, 3: b}, a + b, 1, a + b + 1, dpt - a - b - 1, 0, dpt, 0, 0, a + b + 1)


def _submit(ctx, token, code, a=5, b=10):
    return submissions.submit_result(ctx, token, Report(code, CONTEST, _result(ctx, code, a, b)))


def _assert_board_is_the_fold(ctx):
    state = ctx.ledger.state
    assert ctx.board.seq == state.seq
    for (region, contest), t in state.totals.items():
        assert ctx.board.totals(region, contest) == t, (region, contest)


@pytest.fixture
def token(ctx):
    return tokens.authenticate(ctx, tokens.create_token(ctx, "kpps", "officer", "test")[1])


def test_a_reader_during_a_write_sees_the_last_commit_not_the_write(ctx, token):
    code = sorted(ctx.ledger.state.tps)[0]
    _submit(ctx, token, code, 5, 10)
    ctx.board.totals("31", CONTEST)  # first use loads it: never from inside a write, which holds the lock
    seen_inside = []
    report = Report(code, CONTEST, _result(ctx, code, 7, 10))

    def plan(state):
        return plan_submission(state, report, token.reporter(), ctx.settings.rejecting_sources, None)

    def after(conn, entry, state):
        # the fold has taken the entry already; the transaction is still open
        assert state.totals[("31", CONTEST)].votes[2] == 7
        seen_inside.append(ctx.board.totals("31", CONTEST).votes[2])

    ctx.ledger.append(Command(plan, after))
    assert seen_inside == [5]
    assert ctx.board.totals("31", CONTEST).votes[2] == 7
    _assert_board_is_the_fold(ctx)


def test_a_write_that_rolls_back_never_reaches_readers(ctx, token):
    code = sorted(ctx.ledger.state.tps)[0]
    ctx.board.totals("31", CONTEST)  # loaded before the write
    report = Report(code, CONTEST, _result(ctx, code))

    def plan(state):
        return plan_submission(state, report, token.reporter(), ctx.settings.rejecting_sources, None)

    def fail(conn, entry, state):
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        ctx.ledger.append(Command(plan, fail))
    assert ctx.board.totals("31", CONTEST).tps_reported == 0
    _submit(ctx, token, code)
    assert ctx.board.totals("31", CONTEST).tps_reported == 1
    _assert_board_is_the_fold(ctx)


def test_what_another_process_commits_reaches_the_board(ctx, settings, token):
    other = open_context(settings, create=False)
    try:
        ctx.board.totals("31", CONTEST)
        codes = sorted(ctx.ledger.state.tps)[:3]
        for code in codes:
            _submit(other, tokens.authenticate(other, tokens.create_token(other, "k", "officer", "t")[1]), code)
        assert ctx.board.totals("31", CONTEST).tps_reported == 0  # not caught up yet
        ctx.ledger.catch_up()
        assert ctx.board.totals("31", CONTEST).tps_reported == 3
        _assert_board_is_the_fold(ctx)
    finally:
        other.db.dispose()


def test_entries_folded_on_a_reload_are_not_missed(ctx, settings, token):
    """After a failed write the fold reloads the whole log, with entries of other processes the bus never
    announced here; the next commit shows the gap and the board takes everything again."""
    other = open_context(settings, create=False)
    try:
        ctx.board.totals("31", CONTEST)
        codes = sorted(ctx.ledger.state.tps)
        first, second = codes[0], codes[-1]  # two kab/kota: only the first touches its own totals
        _submit(other, tokens.authenticate(other, tokens.create_token(other, "k", "officer", "t")[1]), first)

        def fail(_state):
            raise RuntimeError("connection lost")

        with pytest.raises(RuntimeError):
            ctx.ledger.append(Command(fail))
        _submit(ctx, token, second)
        assert ctx.board.totals("31", CONTEST).tps_reported == 2
        _assert_board_is_the_fold(ctx)
    finally:
        other.db.dispose()


def test_a_totals_copy_has_every_field_and_shares_nothing():
    import dataclasses

    from rekap.domain.fold import Totals

    t = Totals({1: 5, 2: 6}, *range(1, 11), "2024-02-14T13:00:00Z")
    c = t.copy()
    assert c == t and [f.name for f in dataclasses.fields(c)] == [f.name for f in dataclasses.fields(t)]
    c.votes[1] += 1
    assert t.votes[1] == 5
