"""The committed read model: readers see what is committed, never a write in flight, and nothing is missed."""

import pytest
from conftest import CONTEST

from rekap.bootstrap import Rekap
from rekap.domain.fold import TOTALS_COUNTS, Totals
from rekap.domain.result import Result
from rekap.domain.submission import Submission, plan_submission
from rekap.log.commands import Command


def _result(rekap, code, a=5, b=10):
    dpt = rekap.writer.state.tps[code].dpt
    return Result({2: a, 3: b}, a + b, 1, a + b + 1, dpt - a - b - 1, 0, dpt, 0, 0, a + b + 1)


def _submit(rekap, token, code, a=5, b=10):
    return rekap.submissions.submit(token, Submission(code, CONTEST, _result(rekap, code, a, b)))


def _assert_read_model_is_the_fold(rekap):
    state = rekap.writer.state
    assert rekap.read_model.seq == state.seq
    for (region, contest), t in state.totals.items():
        assert rekap.read_model.totals(region, contest) == t, (region, contest)


@pytest.fixture
def token(rekap):
    return rekap.tokens.authenticate(rekap.tokens.create("kpps", "officer", "test")[1])


def test_a_reader_during_a_write_sees_the_last_commit_not_the_write(rekap, token):
    code = sorted(rekap.writer.state.tps)[0]
    _submit(rekap, token, code, 5, 10)
    rekap.read_model.totals("31", CONTEST)  # first use loads it: never from inside a write, which holds the lock
    seen_inside = []
    sub = Submission(code, CONTEST, _result(rekap, code, 7, 10))

    def plan(state):
        return plan_submission(state, sub, token.reporter(), rekap.settings.rejecting_sources, None)

    def after(conn, entry):
        # the fold has taken the entry already; the transaction is still open
        assert rekap.writer.peek().totals[("31", CONTEST)].votes[2] == 7
        seen_inside.append(rekap.read_model.totals("31", CONTEST).votes[2])

    rekap.writer.append(Command(plan, (after,)))
    assert seen_inside == [5]
    assert rekap.read_model.totals("31", CONTEST).votes[2] == 7
    _assert_read_model_is_the_fold(rekap)


def test_a_write_that_rolls_back_never_reaches_readers(rekap, token):
    code = sorted(rekap.writer.state.tps)[0]
    rekap.read_model.totals("31", CONTEST)  # loaded before the write
    sub = Submission(code, CONTEST, _result(rekap, code))

    def plan(state):
        return plan_submission(state, sub, token.reporter(), rekap.settings.rejecting_sources, None)

    def fail(conn, entry):
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        rekap.writer.append(Command(plan, (fail,)))
    assert rekap.read_model.totals("31", CONTEST).tps_reported == 0
    _submit(rekap, token, code)
    assert rekap.read_model.totals("31", CONTEST).tps_reported == 1
    _assert_read_model_is_the_fold(rekap)


def test_what_another_process_commits_reaches_the_read_model(rekap, settings, token):
    other = Rekap.open(settings, create=False)
    try:
        rekap.read_model.totals("31", CONTEST)
        codes = sorted(rekap.writer.state.tps)[:3]
        for code in codes:
            _submit(other, other.tokens.authenticate(other.tokens.create("k", "officer", "t")[1]), code)
        assert rekap.read_model.totals("31", CONTEST).tps_reported == 0  # not caught up yet
        rekap.writer.catch_up()
        assert rekap.read_model.totals("31", CONTEST).tps_reported == 3
        _assert_read_model_is_the_fold(rekap)
    finally:
        other.close()


def test_entries_folded_on_a_reload_are_not_missed(rekap, settings, token):
    """After a failed write the fold reloads the whole log, with entries of other processes the bus never
    announced here; the next commit shows the gap and the read model takes everything again."""
    other = Rekap.open(settings, create=False)
    try:
        rekap.read_model.totals("31", CONTEST)
        codes = sorted(rekap.writer.state.tps)
        first, second = codes[0], codes[-1]  # two kab/kota: only the first touches its own totals
        _submit(other, other.tokens.authenticate(other.tokens.create("k", "officer", "t")[1]), first)

        def fail(_state):
            raise RuntimeError("connection lost")

        with pytest.raises(RuntimeError):
            rekap.writer.append(Command(fail))
        _submit(rekap, token, second)
        assert rekap.read_model.totals("31", CONTEST).tps_reported == 2
        _assert_read_model_is_the_fold(rekap)
    finally:
        other.close()


def test_a_totals_copy_has_every_count_and_shares_nothing():
    t = Totals({1: 5, 2: 6}, list(range(1, len(TOTALS_COUNTS) + 1)), 11, "2024-02-14T13:00:00Z")
    c = t.copy()
    assert c == t and [getattr(c, n) for n in TOTALS_COUNTS] == list(range(1, len(TOTALS_COUNTS) + 1))
    c.votes[1] += 1
    c.valid += 1
    assert t.votes[1] == 5 and t.valid == 1


def test_adding_totals_adds_every_count():
    a = Totals.of({1: 5}, valid=3, flagged=1)
    a.add(Totals.of({1: 2, 2: 4}, valid=1, disagreements=2))
    assert a.votes == {1: 7, 2: 4} and (a.valid, a.flagged, a.disagreements) == (4, 1, 2)
    with pytest.raises(TypeError):
        Totals.of(nonsense=1)


def test_who_may_act_changes_no_cached_page_but_a_new_stream_link_does(rekap):
    region = rekap.read_model.region_version("31", CONTEST)
    rekap.tokens.create("KPPS", "officer", "test")  # as 7,000 officers' activations in the morning would
    assert rekap.read_model.region_version("31", CONTEST) == region
    rekap.streams.set("31", "https://example.id/pleno", "test")
    assert rekap.read_model.region_version("31", CONTEST) != region
