"""Property: after any sequence of operations, the live projection equals a rebuild from the log alone."""

from conftest import CONTEST
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from rekap.domain.errors import RekapError
from rekap.domain.result import Result, Source
from rekap.domain.submission import Submission
from rekap.log.reader import read_entries
from rekap.store import tables as t

TPS_CODES = [f"31.71.01.1001-{n:03d}" for n in range(1, 5)] + ["31.01.01.1001-001"]

votes = st.integers(0, 300)
operation = st.one_of(
    st.tuples(st.just("submit"), st.sampled_from(["officer", "witness", "volunteer", "operator"]),
              st.sampled_from(TPS_CODES), votes, votes, st.integers(0, 20), st.booleans()),
    st.tuples(st.just("correct"), st.sampled_from(TPS_CODES), votes, votes),
    st.tuples(st.just("stream"), st.sampled_from(["31.71", "31.71.01"]), st.booleans()),
    # above the TPS's ballots (held), or only the pairs' votes and the valid votes (the rest unknown)
    st.tuples(st.just("inflate"), st.sampled_from(TPS_CODES), st.integers(1, 10**6)),
    st.tuples(st.just("partial"), st.sampled_from(TPS_CODES), votes, votes),
    st.tuples(st.just("confirm"), st.sampled_from(TPS_CODES)),
)


def result(rekap, code, a, b, invalid, consistent=True):
    dpt = rekap.writer.state.tps[code].dpt
    valid = a + b if consistent else a + b + 1
    used = valid + invalid
    return Result({2: a, 3: b}, valid, invalid, used, max(0, dpt - used), 0, dpt, 0, 0, used)


def snapshot(rekap):
    with rekap.db.reader.connect() as conn:
        return {tb.name: sorted(tuple(r) for r in conn.execute(select(tb))) for tb in t.PROJECTIONS}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(operation, min_size=1, max_size=12))
def test_live_state_equals_rebuilt_state(rekap, ops):
    who = {role: rekap.tokens.authenticate(rekap.tokens.create(role, role, "test", candidate=3)[1])
           for role in ("officer", "witness", "volunteer", "operator")}
    for op in ops:
        try:
            if op[0] == "submit":
                _, role, code, a, b, invalid, consistent = op
                rekap.submissions.submit(who[role], Submission(code, CONTEST,
                                                                 result(rekap, code, a, b, invalid, consistent)))
            elif op[0] == "correct":
                _, code, a, b = op
                with rekap.db.reader.connect() as conn:
                    seq = conn.execute(select(t.submissions.c.seq).where(t.submissions.c.tps == code)).scalar()
                if seq:
                    rekap.submissions.submit(who["operator"], Submission(code, CONTEST, result(rekap, code, a, b, 0),
                                                                           corrects=seq, reason="recount"))
            elif op[0] == "inflate":
                _, code, extra = op
                r = result(rekap, code, 100 + extra, 50, 3)
                rekap.submissions.submit(who["volunteer"], Submission(code, CONTEST, r._replace(dpk=extra)))
            elif op[0] == "partial":
                _, code, a, b = op
                crowd = Result({2: a, 3: b}, a + b, None, None, None, None, None, None, None, None)
                rekap.submissions.submit(who["volunteer"], Submission(code, CONTEST, crowd))
            elif op[0] == "confirm":
                acc = rekap.writer.state.accepted.get((op[1], CONTEST))
                if acc is not None:
                    rekap.confirmations.confirm(who["operator"].actor, who["operator"].scope, acc.seq, "photo checked")
            else:
                rekap.streams.set(op[1], "https://example.org/live" if op[2] else "", "test")
        except RekapError:
            pass  # refused input changes nothing; the invariant must still hold
    live_tables, live_state = snapshot(rekap), rekap.writer.state
    rekap.rebuild()
    assert snapshot(rekap) == live_tables
    rebuilt = rekap.writer.state
    assert rebuilt.totals == live_state.totals
    assert rebuilt.accepted == live_state.accepted
    assert rebuilt.disagreeing == live_state.disagreeing
    assert every_source_latest(rekap) == {k: dict(live_state.latest_of(k)) for k in every_source_latest(rekap)}

    assert rekap.verify().ok
    # totals of the province equal the sum over the accepted TPS results that count (held ones do not)
    tot = rebuilt.totals[("31", CONTEST)]
    counted = [a for a in rebuilt.accepted.values() if not a.held]
    assert tot.valid == sum(a.result.valid or 0 for a in counted)
    assert tot.voters_unknown == sum(a.result.voters is None for a in counted)
    assert tot.votes.get(2, 0) == sum(a.result.votes[2] for a in counted)
    assert (tot.tps_reported, tot.held) == (len(counted), len(rebuilt.accepted) - len(counted))


def every_source_latest(rekap):
    """The latest result of every source label per TPS×contest, straight from the log: what the fold keeps only
    where the accepted result alone does not say it."""
    latest: dict = {}
    with rekap.db.reader.connect() as conn:
        for e in read_entries(conn):
            if e.kind == "result.submitted":
                p = e.payload
                label = "officer" if p.get("verified") else Source(**p["source"]).label
                latest.setdefault((p["tps"], p["contest"]), {})[label] = Result.from_payload(p["result"])
    return latest
