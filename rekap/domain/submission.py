"""A submission — one party's report of one C1 — and checking it against the state before it may be logged."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rekap.domain import rules
from rekap.domain.errors import (
    ArithmeticMismatch,
    ContestLocked,
    Forbidden,
    InvalidInput,
    MissingCandidate,
    PhotoRequired,
    UnknownCandidate,
    UnknownContest,
    UnknownTps,
)
from rekap.domain.fold import State
from rekap.domain.log import Draft
from rekap.domain.regions import is_within
from rekap.domain.result import Result, Source
from rekap.domain.rules import Finding, TpsFacts, check


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


def findings_of(state: State, tps_code: str, result: Result) -> tuple[Finding, ...]:
    """What the current rules find in a result for this TPS, as it is in the state."""
    return check(result, TpsFacts(dpt=state.tps[tps_code].dpt))


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
    if sub.corrects is not None:
        _check_correction(sub, corrected_key)
    findings = findings_of(state, sub.tps, sub.result)
    errors = [f for f in findings if f.severity == "error"]
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
        "source": {"kind": who.source.kind, "candidate": who.source.candidate},
        "result": sub.result.to_payload(),
        "photos": list(sub.photos),
        "findings": [f.to_payload() for f in findings],
        "rules": rules.RULES_VERSION,
        "corrects": sub.corrects,
        "reason": sub.reason,
        "verified": who.verifies and sub.corrects is not None,
    }
    return Draft("result.submitted", payload, who.actor)


def _check_correction(sub: Submission, corrected_key: tuple[str, str] | None) -> None:
    if not (sub.reason or "").strip():
        raise InvalidInput("a correction needs a reason", field="reason")
    if corrected_key != (sub.tps, sub.contest):
        raise InvalidInput(f"seq {sub.corrects} is not a submission for this TPS and contest", field="corrects")
