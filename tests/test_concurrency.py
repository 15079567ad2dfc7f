"""Several writers (threads, or processes with their own state) on one database never fork the chain."""

import threading
import time

from conftest import CONTEST

from rekap.bootstrap import Rekap
from rekap.domain.errors import RekapError
from rekap.domain.result import Result
from rekap.domain.submission import Submission


def test_two_workers_interleave_and_agree(rekap, settings):
    other = Rekap.open(settings, create=False)  # a second worker process: own ledger, own state
    try:
        secret = rekap.tokens.create("kpps", "officer", "test")[1]
        codes = sorted(rekap.writer.state.tps)[:40]
        errors: list[Exception] = []

        def work(worker, mine):
            token = worker.tokens.authenticate(secret)
            for code in mine:
                dpt = worker.writer.state.tps[code].dpt
                r = Result({2: 5, 3: 10}, 15, 1, 16, dpt - 16, 0, dpt, 0, 0, 16)
                try:
                    worker.submissions.submit(token, Submission(code, CONTEST, r))
                except Exception as exc:  # surfaced below: any failure fails the test
                    errors.append(exc)

        threads = [threading.Thread(target=work, args=(w, codes[i::4]))
                   for i, w in enumerate([rekap, other, rekap, other])]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert errors == []
        assert rekap.verify().ok
        rekap.rebuild()
        rebuilt = rekap.writer.state
        assert rebuilt.totals[("31", CONTEST)].tps_reported == 40
        assert rebuilt.totals[("31", CONTEST)].valid == 40 * 15
    finally:
        other.close()


def test_group_commit_gives_each_caller_its_own_receipt(rekap):
    token = rekap.tokens.authenticate(rekap.tokens.create("kpps", "officer", "test")[1])
    codes = sorted(rekap.writer.state.tps)[:48]
    receipts: dict[str, object] = {}
    commits: list[int] = []
    rekap.writer.feed.subscribe(lambda event: commits.append(event.seq))

    def work(mine):
        for code in mine:
            dpt = rekap.writer.state.tps[code].dpt
            bad = code.endswith("-002")  # some callers in a batch are refused; their neighbours must not be
            r = Result({2: 5, 3: 10}, 15 + bad, 1, 16, dpt - 16, 0, dpt, 0, 0, 16)
            try:
                receipts[code] = rekap.submissions.submit(token, Submission(code, CONTEST, r))
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
    assert rekap.writer.state.totals[("31", CONTEST)].tps_reported == len(accepted)
    assert len(commits) <= len(accepted)
    assert rekap.verify().ok


def test_racing_retries_with_one_key_make_one_entry(rekap):
    token = rekap.tokens.authenticate(rekap.tokens.create("kpps", "officer", "test")[1])
    code = sorted(rekap.writer.state.tps)[0]
    dpt = rekap.writer.state.tps[code].dpt
    r = Result({2: 5, 3: 10}, 15, 1, 16, dpt - 16, 0, dpt, 0, 0, 16)
    out = []
    threads = [threading.Thread(target=lambda: out.append(
        rekap.submissions.submit(token, Submission(code, CONTEST, r), idempotency_key="same")))
        for _ in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(out) == 6 and len({(x.seq, x.hash) for x in out}) == 1
    assert rekap.writer.state.submission_count == 1


def test_a_follower_hears_what_another_process_appends(rekap, settings):
    from rekap.log.follower import Follower

    heard = threading.Event()
    rekap.writer.feed.subscribe(lambda event: heard.set() if "token.created" in event.kinds else None)
    follower = Follower(rekap.writer, poll_seconds=0.05)
    follower.start()
    other = Rekap.open(settings, create=False)
    try:
        time.sleep(0.3)  # let the follower start listening
        other.tokens.create("from elsewhere", "officer", "test")
        assert heard.wait(5), "the other process's entry never reached this process's bus"
        assert rekap.writer.known_seq == other.writer.known_seq
    finally:
        follower.stop()
        other.close()
