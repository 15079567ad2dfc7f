"""Checking a reported result against the state before it may enter the log."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rekap.domain.errors import (
    ArithmeticMismatch,
    Forbidden,
    InvalidInput,
    MissingCandidate,
    UnknownCandidate,
    UnknownContest,
    UnknownTps,
)
from rekap.domain.fold import State, findings_for
from rekap.domain.log import Draft
from rekap.domain.regions import is_within
from rekap.domain.result import Result, Source


@dataclass(frozen=True, slots=True)
class Report:
    """One party's report of one C1, as it arrives."""

    tps: str
    contest: str
    result: Result
    photos: tuple[str, ...] = ()
    corrects: int | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Reporter:
    """Who reports: the source kind, the region they may report for, and whether their corrections count
    as verified (operators and admins)."""

    actor: str
    source: Source
    scope: str
    verifies: bool = False


def plan_submission(
    state: State,
    rep: Report,
    who: Reporter,
    rejecting: Iterable[str],
    corrected_key: tuple[str, str] | None = None,
) -> Draft:
    """The log entry for `rep`, or the typed error that says why it may not be logged.

    `corrected_key` is the TPS×contest of the submission that `rep.corrects` names (None if there is none).
    """
    tps = state.tps.get(rep.tps)
    if tps is None:
        raise UnknownTps(f"no TPS {rep.tps!r}", field="tps")
    contest = state.contests.get(rep.contest)
    if contest is None:
        raise UnknownContest(f"no contest {rep.contest!r}", field="contest")
    if not is_within(tps.kelurahan, contest.scope):
        raise InvalidInput(f"TPS {rep.tps} is outside the scope {contest.scope} of {contest.id}", field="tps")
    if not is_within(tps.kelurahan, who.scope):
        raise Forbidden(f"this token may only report for region {who.scope}", field="tps")
    for number in rep.result.votes:
        if number not in contest.numbers:
            raise UnknownCandidate(f"contest {contest.id} has no candidate {number}", field=f"votes.{number}")
    for number in contest.numbers:
        if number not in rep.result.votes:
            raise MissingCandidate(f"votes for candidate {number} are missing", field=f"votes.{number}")
    if rep.corrects is not None:
        _check_correction(rep, corrected_key)
    findings = findings_for(state, rep.tps, rep.result)
    errors = [f for f in findings if f.severity == "error"]
    if errors and who.source.kind in set(rejecting):
        first = errors[0]
        raise ArithmeticMismatch(
            f"rule {first.rule}: {first.field} should be {first.expected}, got {first.got}",
            field=first.field,
            extra={"findings": [f.to_payload() for f in errors]},
        )
    verified = who.verifies and rep.corrects is not None
    payload = {
        "tps": rep.tps,
        "contest": rep.contest,
        "source": {"kind": who.source.kind, "candidate": who.source.candidate},
        "result": rep.result.to_payload(),
        "photos": list(rep.photos),
        "findings": [f.to_payload() for f in findings],
        "corrects": rep.corrects,
        "reason": rep.reason,
        "verified": verified,
    }
    return Draft("result.submitted", payload, who.actor)


def _check_correction(rep: Report, corrected_key: tuple[str, str] | None) -> None:
    if not (rep.reason or "").strip():
        raise InvalidInput("a correction needs a reason", field="reason")
    if corrected_key != (rep.tps, rep.contest):
        raise InvalidInput(f"seq {rep.corrects} is not a submission for this TPS and contest", field="corrects")
