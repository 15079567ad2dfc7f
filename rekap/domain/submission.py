"""A submission — one party's report of one C1 — and checking it against the state before it may be logged."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rekap.domain import rules
from rekap.domain.errors import (
    AlreadyLogged,
    ArithmeticMismatch,
    Conflict,
    ContestLocked,
    Forbidden,
    InvalidInput,
    MissingCandidate,
    NotFound,
    PhotoRequired,
    ResultOutOfBounds,
    UnknownCandidate,
    UnknownContest,
    UnknownTps,
)
from rekap.domain.fold import State
from rekap.domain.log import Draft
from rekap.domain.regions import is_within
from rekap.domain.result import COUNT_FIELDS, Result, Source
from rekap.domain.rules import TpsFacts, check, unchecked

#: photos one submission may name (the JSON's `photos` and the photo parts sent with it, together)
MAX_PHOTOS = 20


@dataclass(frozen=True, slots=True)
class Submission:
    """One party's report of the C1 of one TPS in one contest, as it arrives."""

    tps: str
    contest: str
    result: Result
    photos: tuple[str, ...] = ()
    corrects: int | None = None  # the seq of the submission this one corrects
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Reporter:
    """Who submits: the source kind, the region they may report for, and whether their corrections count
    as verified (operators and admins)."""

    actor: str
    source: Source
    scope: str
    verifies: bool = False
    tps: str | None = None  # a grant for one TPS reports for that TPS only


def facts_of(state: State, tps_code: str, contest_id: str) -> TpsFacts:
    """What the rules know of a TPS in a contest: its register's DPT and its election's bounds."""
    election = state.elections.get(state.contests[contest_id].election)
    dpt = state.tps[tps_code].dpt
    if election is None:
        return TpsFacts(dpt)
    return TpsFacts(dpt, election.ballot_reserve_permille, election.max_voters_per_tps)


def plan_submission(
    state: State,
    sub: Submission,
    who: Reporter,
    rejecting: Iterable[str],
    corrected_key: tuple[str, str] | None = None,
    photo_required: Iterable[str] = (),
) -> Draft:
    """The log entry for `sub`, or the typed error that says why it may not be logged.

    `corrected_key` is the TPS×contest of the submission that `sub.corrects` names (None if there is none).
    """
    tps = state.tps.get(sub.tps)
    if tps is None:
        raise UnknownTps(f"no TPS {sub.tps!r}", field="tps")
    contest = state.contests.get(sub.contest)
    if contest is None:
        raise UnknownContest(f"no contest {sub.contest!r}", field="contest")
    if not is_within(tps.kelurahan, contest.scope):
        raise InvalidInput(f"TPS {sub.tps} is outside the scope {contest.scope} of {contest.id}", field="tps")
    if not is_within(tps.kelurahan, who.scope):
        raise Forbidden(f"this token may only report for region {who.scope}", field="tps")
    if who.tps is not None and sub.tps != who.tps:
        raise Forbidden(f"this grant may only report for TPS {who.tps}", field="tps")
    if sub.contest in state.locked:
        raise ContestLocked(f"submissions for {sub.contest} are locked by an operator", field="contest")
    if not sub.photos and who.source.kind in set(photo_required):
        detail = f"results from a source of kind {who.source.kind} need at least one C1 photo"
        raise PhotoRequired(detail, field="photos")
    for number in sub.result.votes:
        if number not in contest.numbers:
            raise UnknownCandidate(f"contest {contest.id} has no candidate {number}", field=f"votes.{number}")
    for number in contest.numbers:
        if number not in sub.result.votes:
            raise MissingCandidate(f"votes for candidate {number} are missing", field=f"votes.{number}")
    if who.source.kind == "officer" and None in sub.result[1:]:  # the KPPS copies the whole C1
        missing = next(f for f in COUNT_FIELDS if getattr(sub.result, f) is None)
        raise InvalidInput(f"an officer's C1 gives every count: {missing} is missing", field=f"result.{missing}")
    if sub.corrects is not None:
        _check_correction(sub, corrected_key)
    facts = facts_of(state, sub.tps, sub.contest)
    findings = check(sub.result, facts)
    bounds = [f for f in findings if f.severity == "bound"]
    if bounds and who.source.kind == "officer":  # an officer's form above what the TPS can have: never logged
        first = bounds[0]
        raise ResultOutOfBounds(
            f"rule {first.rule}: {first.field} may be at most {first.expected}, got {first.got}",
            field=first.field,
            extra={"bound": first.expected, "value": first.got, "findings": [f.to_payload() for f in bounds]},
        )
    errors = [f for f in findings if f.severity != "warning"]
    if errors and who.source.kind in set(rejecting):
        first = errors[0]
        raise ArithmeticMismatch(
            f"rule {first.rule}: {first.field} should be {first.expected}, got {first.got}",
            field=first.field,
            extra={"findings": [f.to_payload() for f in errors]},
        )
    payload = {
        "tps": sub.tps,
        "contest": sub.contest,
        "source": _source_payload(who.source),
        "result": sub.result.to_payload(),
        "photos": list(sub.photos),
        "findings": [f.to_payload() for f in findings],
        "rules": rules.RULES_VERSION,
        "corrects": sub.corrects,
        "reason": sub.reason,
        "verified": who.verifies and sub.corrects is not None,
    }
    not_checked = unchecked(sub.result, facts)
    if not_checked:
        payload["unchecked"] = list(not_checked)
    return Draft("result.submitted", payload, who.actor)


def plan_imported(state: State, sub: Submission, who: Reporter) -> Draft:
    """An imported row's entry, or AlreadyLogged when the source's latest figures for this TPS×contest are these
    numbers already: importing the same file again adds nothing (decided under the write lock, so two imports
    of one file cannot both add it)."""
    if state.latest_of((sub.tps, sub.contest)).get(who.source.label) == sub.result:
        raise AlreadyLogged(f"{sub.tps} {sub.contest}: {who.source.label} has these numbers already", field="tps")
    return plan_submission(state, sub, who, rejecting=())


def _source_payload(source: Source) -> dict[str, object]:
    out: dict[str, object] = {"kind": source.kind, "candidate": source.candidate}
    if source.name is not None:
        out["name"] = source.name
    return out


def plan_confirmation(
    state: State, seq: int, key: tuple[str, str] | None, reason: str, scope: str, actor: str
) -> Draft:
    """The entry by which an operator vouches for a held result (one above a bound, from a source other than an
    officer), so that it counts; or why it may not: it must be the held accepted result of its TPS×contest
    (`key`, None if `seq` is no submission), within the operator's region."""
    if key is None:
        raise NotFound(f"no submission {seq}", field="seq")
    tps_code, contest = key
    if not is_within(state.tps[tps_code].kelurahan, scope):
        raise Forbidden(f"this token may only confirm results in region {scope}", field="seq")
    if not reason.strip():
        raise InvalidInput("a confirmation needs a reason", field="reason")
    acc = state.accepted.get((tps_code, contest))
    if acc is None or acc.seq != seq:
        raise NotFound(f"seq {seq} is not the accepted result of its TPS and contest", field="seq")
    if not acc.held:
        raise Conflict(f"seq {seq} is not held: it counts already", field="seq")
    return Draft("result.confirmed", {"seq": seq, "tps": tps_code, "contest": contest, "reason": reason}, actor)


def _check_correction(sub: Submission, corrected_key: tuple[str, str] | None) -> None:
    if not (sub.reason or "").strip():
        raise InvalidInput("a correction needs a reason", field="reason")
    if corrected_key != (sub.tps, sub.contest):
        raise InvalidInput(f"seq {sub.corrects} is not a submission for this TPS and contest", field="corrects")
