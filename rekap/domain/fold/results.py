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
def _source(kind: str, candidate: int | None, name: str | None = None) -> Source:
    """One Source object per kind, candidate and name, however many entries name it."""
    return Source(kind, candidate, name)


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
    source = _source(src["kind"], src.get("candidate"), src.get("name"))
    result = Result.from_payload(p["result"])
    verified = bool(p.get("verified"))
    findings = _findings(p["findings"])  # as recorded when it was checked: a later rule change rewrites nothing
    sub = LoggedSubmission(
        entry.seq, key[0], key[1], source, result, tuple(p.get("photos", ())), findings, p.get("corrects"),
        p.get("reason"), verified, entry.actor, entry.at, p.get("rules", 1), False, tuple(p.get("unchecked", ())),
    )  # fmt: skip
    state.submission_count += 1
    state.tps_seq[key[0]] = entry.seq
    ch = Changes(submissions=[sub])

    # a verified correction speaks for the officer: it replaces the officer's figure in comparisons
    label = "officer" if verified else source.label
    latest = dict(state.latest_of(key))
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
        held = bool(findings) and _above_a_bound(findings) and entry.seq not in state.confirmed
        new = Accepted(entry.seq, rank, label if not verified else "correction", result, findings, entry.at, held)
        state.accepted[key] = new
        ch.accepted.add(key)
        sub.accepted = True
    if new is not None and len(latest) == 1 and latest.get(new.label) is new.result:
        state.latest_by_source.pop(key, None)  # the accepted result says it all
    else:
        state.latest_by_source[key] = latest
    if was_disagreeing != now_disagreeing and key in state.accepted:
        ch.accepted.add(key)
    if new is old and was_disagreeing == now_disagreeing:
        return ch

    delta = Totals.of(disagreements=now_disagreeing - was_disagreeing)
    if new is not old and new is not None:
        delta.flagged = new.flagged - (old.flagged if old else 0)
        counted = holding = 0  # a held result is in no sum: it counts only as held
        if new.held:
            holding = 1
        else:
            counted = 1
            _add_result(delta, new.result, +1)
        if old is not None:
            if old.held:
                holding -= 1
            else:
                counted -= 1
                _add_result(delta, old.result, -1)
        if counted:
            delta.tps_reported, delta.dpt_reported = counted, counted * (tps.dpt or 0)
        if holding:
            delta.held = holding
    keys, path = state.totals_on_path(tps.kelurahan, state.contests[key[1]])
    add_along(path, delta, entry.seq, entry.at)
    ch.totals.update(keys)
    return ch


def _above_a_bound(findings: tuple[Finding, ...]) -> bool:
    return any(f.severity == "bound" for f in findings)


def result_confirmed(state: State, entry: Entry) -> Changes:
    """An operator vouches for a held result (say the photo shows ballots brought from the next TPS): it now
    counts. The planner only logs a confirmation of the held accepted result; anything else folds to nothing."""
    p = entry.payload
    state.confirmed.add(p["seq"])
    tps = state.tps[p["tps"]]
    key = (tps.code, sys.intern(p["contest"]))
    state.tps_seq[key[0]] = entry.seq
    acc = state.accepted.get(key)
    if acc is None or acc.seq != p["seq"] or not acc.held:
        return Changes()
    acc.held = False
    delta = Totals.of(held=-1, tps_reported=1, dpt_reported=tps.dpt or 0)
    _add_result(delta, acc.result, +1)
    keys, path = state.totals_on_path(tps.kelurahan, state.contests[key[1]])
    add_along(path, delta, entry.seq, entry.at)
    ch = Changes(accepted={key})
    ch.totals.update(keys)
    return ch


def _add_result(t: Totals, r: Result, sign: int) -> None:
    """Add (or, with sign -1, take away) a counted result; a count it does not give adds to that count's
    unknowns instead (the sum is of the TPS that gave it)."""
    for number, v in r.votes.items():
        t.votes[number] = t.votes.get(number, 0) + sign * v
    valid, invalid, voters = r.valid, r.invalid, r.voters
    if valid is None:
        t.valid_unknown += sign
    else:
        t.valid += sign * valid
    if invalid is None:
        t.invalid_unknown += sign
    else:
        t.invalid += sign * invalid
    if voters is None:
        t.voters_unknown += sign
    else:
        t.voters += sign * voters


def photos_reported(state: State, entry: Entry) -> Changes:
    """C1 photos sent without numbers: no total changes, only what the TPS's page shows (they wait in the store's
    photo_reports for digitisation)."""
    key = (entry.payload["tps"], entry.payload["contest"])
    state.tps_seq[key[0]] = entry.seq
    return Changes(photo_reports={key})
