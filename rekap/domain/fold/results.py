"""Folding submissions: which one is the accepted result of a TPS×contest, where sources disagree, and the
deltas that carry a change up the region path."""

from __future__ import annotations

import sys
from functools import cache

from rekap.domain.fold.state import Accepted, Changes, LoggedSubmission, State
from rekap.domain.fold.totals import Totals, add_along
from rekap.domain.log import Entry
from rekap.domain.result import Result, Source
from rekap.domain.rules import Finding

#: Which submission becomes the accepted result of a TPS×contest: the highest rank wins and,
#: within a rank, the latest. Witnesses are recorded and compared but never accepted.
RANKS = {"witness": 0, "import": 1, "volunteer": 2, "officer": 3, "correction": 4}


def rank_of(source: Source, verified: bool) -> int:
    return RANKS["correction"] if verified else RANKS[source.kind]


@cache
def _source(kind: str, candidate: int | None) -> Source:
    """One Source object per kind and candidate, however many entries name it."""
    return Source(kind, candidate)


def _findings(recorded: list[dict[str, object]]) -> tuple[Finding, ...]:
    if not recorded:  # nearly every form
        return ()
    return tuple(Finding(**f) for f in recorded)  # type: ignore[arg-type]


def result_submitted(state: State, entry: Entry) -> Changes:
    p = entry.payload
    tps = state.tps[p["tps"]]
    # keys made of shared strings: one copy of each TPS code and contest id, not one per dict that holds it
    key = (tps.code, sys.intern(p["contest"]))
    src = p["source"]
    source = _source(src["kind"], src.get("candidate"))
    result = Result.from_payload(p["result"])
    verified = bool(p.get("verified"))
    findings = _findings(p["findings"])  # as recorded when it was checked: a later rule change rewrites nothing
    sub = LoggedSubmission(
        entry.seq, key[0], key[1], source, result, tuple(p.get("photos", ())), findings, p.get("corrects"),
        p.get("reason"), verified, entry.actor, entry.at, p.get("rules", 1),
    )  # fmt: skip
    state.submission_count += 1
    state.tps_seq[key[0]] = entry.seq
    ch = Changes(submissions=[sub])

    # a verified correction speaks for the officer: it replaces the officer's figure in comparisons
    label = "officer" if verified else source.label
    latest = state.latest_by_source.get(key)
    if latest is None:
        latest = state.latest_by_source[key] = {}
    latest[label] = result
    was_disagreeing = key in state.disagreeing
    now_disagreeing = len(latest) > 1 and len({r.signature() for r in latest.values()}) > 1
    if now_disagreeing:
        state.disagreeing.add(key)
    else:
        state.disagreeing.discard(key)

    old = state.accepted.get(key)
    rank = rank_of(source, verified)
    new = old
    if rank > 0 and (old is None or rank >= old.rank):
        new = Accepted(entry.seq, rank, label if not verified else "correction", result, findings, entry.at)
        state.accepted[key] = new
        ch.accepted.add(key)
        sub.accepted = True
    if was_disagreeing != now_disagreeing and key in state.accepted:
        ch.accepted.add(key)
    if new is old and was_disagreeing == now_disagreeing:
        return ch

    delta = Totals.of(disagreements=now_disagreeing - was_disagreeing)
    if new is not old and new is not None:
        _add_result(delta, new.result, +1)
        delta.flagged = new.flagged - (old.flagged if old else 0)
        if old is not None:
            _add_result(delta, old.result, -1)
        else:
            delta.tps_reported, delta.dpt_reported = 1, tps.dpt
    keys, path = state.totals_on_path(tps.kelurahan, state.contests[key[1]])
    add_along(path, delta, entry.seq, entry.at)
    ch.totals.update(keys)
    return ch


def _add_result(t: Totals, r: Result, sign: int) -> None:
    for number, v in r.votes.items():
        t.votes[number] = t.votes.get(number, 0) + sign * v
    t.valid += sign * r.valid
    t.invalid += sign * r.invalid
    t.voters += sign * r.voters
