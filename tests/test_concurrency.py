"""Several writers (threads, or processes with their own state) on one database never fork the chain."""

import threading

from conftest import CONTEST

from rekap.bootstrap import open_context
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
        rebuilt = audit.rebuild(ctx)
        assert rebuilt.totals[("31", CONTEST)].tps_reported == 40
        assert rebuilt.totals[("31", CONTEST)].valid == 40 * 15
    finally:
        other.db.dispose()
