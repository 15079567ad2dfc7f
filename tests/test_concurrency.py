"""Several writers (threads, or processes with their own state) on one database never fork the chain."""

import threading
import time

from conftest import CONTEST

from rekap.bootstrap import open_context
from rekap.domain.errors import RekapError
from rekap.domain.result import Result
from rekap.domain.submission import Report
from rekap.services import audit, submissions, tokens


def test_two_workers_interleave_and_agree(ctx, settings):
    other = open_context(settings, create=False)  # a second worker process: own ledger, own state
    try:
        secret = tokens.create_token(ctx, "kpps", "officer", "test")[1]
        codes = sorted(ctx.ledger.state.tps)[:40]
        errors: list[Exception] = []

        def work(worker, mine):
            token = tokens.authenticate(worker, secret)
            for code in mine:
                dpt = worker.ledger.state.tps[code].dpt
                r = Result({2: 5, 3: 10}, 15, 1, 16, dpt - 16, 0, dpt, 0, 0, 16)
                try:
                    submissions.submit_result(worker, token, Report(code, CONTEST, r))
                except Exception as exc:  # surfaced below: any failure fails the test
                    errors.append(exc)

        threads = [threading.Thread(target=work, args=(w, codes[i::4]))
                   for i, w in enumerate([ctx, other, ctx, other])]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert errors == []
        assert audit.verify_local(ctx).ok
        audit.rebuild(ctx)
        rebuilt = ctx.ledger.state
        assert rebuilt.totals[("31", CONTEST)].tps_reported == 40
        assert rebuilt.totals[("31", CONTEST)].valid == 40 * 15
    finally:
        other.db.dispose()


def test_group_commit_gives_each_caller_its_own_receipt(ctx):
    token = tokens.authenticate(ctx, tokens.create_token(ctx, "kpps", "officer", "test")[1])
    codes = sorted(ctx.ledger.state.tps)[:48]
    receipts: dict[str, object] = {}
    commits: list[int] = []
    ctx.bus.subscribe(lambda event: commits.append(event.seq))

    def work(mine):
        for code in mine:
            dpt = ctx.ledger.state.tps[code].dpt
            bad = code.endswith("-002")  # some callers in a batch are refused; their neighbours must not be
            r = Result({2: 5, 3: 10}, 15 + bad, 1, 16, dpt - 16, 0, dpt, 0, 0, 16)
            try:
                receipts[code] = submissions.submit_result(ctx, token, Report(code, CONTEST, r))
            except RekapError as err:
                receipts[code] = err

    threads = [threading.Thread(target=work, args=(codes[i::12],)) for i in range(12)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    refused = [c for c in codes if c.endswith("-002")]
    assert all(isinstance(receipts[c], RekapError) for c in refused)
    accepted = [receipts[c] for c in codes if c not in refused]
    assert all(r.tps == c for c, r in zip([c for c in codes if c not in refused], accepted, strict=True))
    assert len({r.seq for r in accepted}) == len(accepted)
    assert ctx.ledger.state.totals[("31", CONTEST)].tps_reported == len(accepted)
    assert len(commits) <= len(accepted)
    assert audit.verify_local(ctx).ok


def test_racing_retries_with_one_key_make_one_entry(ctx):
    token = tokens.authenticate(ctx, tokens.create_token(ctx, "kpps", "officer", "test")[1])
    code = sorted(ctx.ledger.state.tps)[0]
    dpt = ctx.ledger.state.tps[code].dpt
    r = Result({2: 5, 3: 10}, 15, 1, 16, dpt - 16, 0, dpt, 0, 0, 16)
    out = []
    threads = [threading.Thread(target=lambda: out.append(
        submissions.submit_result(ctx, token, Report(code, CONTEST, r), idempotency_key="same")))
        for _ in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(out) == 6 and len({(x.seq, x.hash) for x in out}) == 1
    assert ctx.ledger.state.submission_count == 1


def test_a_follower_hears_what_another_process_appends(ctx, settings):
    from rekap.store.follower import Follower

    heard = threading.Event()
    ctx.bus.subscribe(lambda event: heard.set() if "token.created" in event.kinds else None)
    follower = Follower(ctx.ledger, poll_seconds=0.05)
    follower.start()
    other = open_context(settings, create=False)
    try:
        time.sleep(0.3)  # let the follower start listening
        tokens.create_token(other, "from elsewhere", "officer", "test")
        assert heard.wait(5), "the other process's entry never reached this process's bus"
        assert ctx.ledger.known_seq == other.ledger.known_seq
    finally:
        follower.stop()
        other.db.dispose()
