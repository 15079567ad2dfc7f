"""The recapitulation plenaries (rekapitulasi berjenjang) of each region: the links to their live streams, and
the life of each region's recap (D-form) in a contest, planned as log entries.

A recap goes not started → in plenary → entered → signed off → reopened (docs/recap.md). Entering figures again
is a correction and carries a reason; a recap whose figures differ from its children's sum or from the real
count is signed off only with a written explanation; only an operator of a region above reopens it.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlparse

from rekap.domain import rules
from rekap.domain.errors import (
    Forbidden,
    InvalidInput,
    MissingCandidate,
    RecapDifferencesUnexplained,
    RecapPhotoRequired,
    RecapTransitionRefused,
    UnknownCandidate,
    UnknownContest,
    UnknownRegion,
)
from rekap.domain.fold import State
from rekap.domain.fold.state import Recap
from rekap.domain.log import Draft
from rekap.domain.recap_compare import COMPARED, Child, Difference, Figures, compare
from rekap.domain.regions import NATION, is_within
from rekap.domain.result import Result
from rekap.domain.rules import Finding, TpsFacts, check

STATUSES = ("not_started", "in_plenary", "entered", "signed_off", "reopened")
#: each step of a recap's life: the statuses it may start from, and the status it leads to
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "recap.started": (frozenset({"not_started"}), "in_plenary"),
    "recap.entered": (frozenset({"not_started", "in_plenary", "entered", "reopened"}), "entered"),
    "recap.signed_off": (frozenset({"entered", "reopened"}), "signed_off"),
    "recap.reopened": (frozenset({"signed_off"}), "reopened"),
}
_STEP_NAMES = {
    "recap.started": "starting the plenary",
    "recap.entered": "entering figures",
    "recap.signed_off": "signing off",
    "recap.reopened": "reopening",
}
#: statuses in which the recap has figures: entering again is a correction
_HAS_FIGURES = frozenset({"entered", "signed_off", "reopened"})


def check_stream_url(url: str) -> str:
    url = url.strip()
    if url and (urlparse(url).scheme != "https" or not urlparse(url).netloc):
        raise InvalidInput("the stream URL must be an https:// address", field="url")
    return url


def plan_stream_set(state: State, region: str, url: str, actor: str) -> Draft:
    if region not in state.regions:
        raise UnknownRegion(f"no region {region!r}", field="region_code")
    return Draft("stream.set", {"region": region, "url": check_stream_url(url)}, actor)


@dataclass(frozen=True, slots=True)
class Operator:
    """Who acts on a recap: a token's id, role and the region it covers."""

    actor: str
    role: str
    scope: str


@dataclass(frozen=True, slots=True)
class RecapFigures:
    """The totals a plenary announced for one region and contest, as entered from its D-form."""

    region: str
    contest: str
    result: Result
    photos: tuple[str, ...] = ()
    reason: str | None = None


def recap_of(state: State, region: str, contest: str) -> Recap:
    return state.recaps.get((region, contest)) or Recap(region, contest)


def _checked(state: State, region: str, contest: str, who: Operator, kind: str) -> Recap:
    if contest not in state.contests:
        raise UnknownContest(f"no contest {contest!r}", field="contest")
    scope = state.contests[contest].scope
    r = state.regions.get(region)
    if r is None or (region == NATION and scope != NATION):
        raise UnknownRegion(f"no region {region!r}", field="region")
    if not is_within(region, scope):
        raise InvalidInput(f"region {region} is outside the scope {scope} of {contest}", field="region")
    if not is_within(region, who.scope):
        raise Forbidden(f"this token may only act for region {who.scope}", field="region")
    recap = recap_of(state, region, contest)
    allowed, _ = TRANSITIONS[kind]
    if recap.status not in allowed:
        raise RecapTransitionRefused(
            f"{_STEP_NAMES[kind]} is not allowed while the recap is {recap.status.replace('_', ' ')}",
            field="status",
            extra={"recap_status": recap.status, "step": kind},
        )
    return recap


def _key(region: str, contest: str) -> dict[str, str]:
    return {"region": region, "contest": contest}


def plan_recap_started(state: State, region: str, contest: str, who: Operator) -> Draft:
    _checked(state, region, contest, who, "recap.started")
    return Draft("recap.started", _key(region, contest), who.actor)


def recap_findings(
    state: State, region: str, contest: str, result: Result, version: int | None = None
) -> tuple[Finding, ...]:
    """The arithmetic rules on a D-form's totals; the register's DPT is the sum of the region's TPS, and (from
    rules version 3) one TPS's legal maximum is no bound on a region's sums."""
    t = state.totals.get((region, contest))
    version = rules.RULES_VERSION if version is None else version
    facts = TpsFacts(dpt=t.dpt_total if t else 0) if version < 3 else TpsFacts(t.dpt_total if t else 0, max_voters=None)
    return check(result, facts, version)


def plan_recap_entered(state: State, fig: RecapFigures, who: Operator, source: str = "operator") -> Draft:
    recap = _checked(state, fig.region, fig.contest, who, "recap.entered")
    contest = state.contests[fig.contest]
    for number in fig.result.votes:
        if number not in contest.numbers:
            raise UnknownCandidate(f"contest {contest.id} has no candidate {number}", field=f"votes.{number}")
    for number in contest.numbers:
        if number not in fig.result.votes:
            raise MissingCandidate(f"votes for candidate {number} are missing", field=f"votes.{number}")
    for name in COMPARED:  # a D-form announces every count: none of them may be left unknown
        if getattr(fig.result, name) is None:
            raise InvalidInput(f"a recap gives every count of the D-form; {name} is missing", field=name)
    correction = recap.status in _HAS_FIGURES
    reason = (fig.reason or "").strip()
    if correction and not reason:
        raise InvalidInput("a correction of a recap needs a reason", field="reason")
    findings = recap_findings(state, fig.region, fig.contest, fig.result)
    payload = {
        **_key(fig.region, fig.contest),
        "result": fig.result.to_payload(),
        "photos": list(fig.photos),
        "findings": [f.to_payload() for f in findings],
        "rules": rules.RULES_VERSION,
        "corrects": recap.entered_seq if correction else None,
        "reason": reason or None,
        "source": source,
    }
    return Draft("recap.entered", payload, who.actor)


def children_in(state: State, region: str, contest: str) -> list[Child]:
    """The children of a region as its recap is compared with them, from the fold (a scan of the regions:
    recap steps are rare). A kelurahan's children are its TPS, which the real count already adds up."""
    if state.regions[region].level >= 4:
        return []
    out = []
    for code, r in state.regions.items():
        if r.parent != region:
            continue
        t = state.totals.get((code, contest))
        child = state.recaps.get((code, contest))
        figures = Figures.of_result(child.result) if child is not None and child.result is not None else None
        incomplete = t is None or t.tps_reported < t.tps_total
        out.append(Child(code, Figures.of_totals(t), figures, child.signed_seq if child else 0, incomplete))
    return sorted(out, key=lambda c: c.code)


def differences_in(state: State, region: str, contest: str) -> tuple[Difference, ...]:
    recap = recap_of(state, region, contest)
    if recap.result is None:
        return ()
    real = Figures.of_totals(state.totals.get((region, contest)))
    numbers = state.contests[contest].numbers
    return compare(numbers, Figures.of_result(recap.result), real, children_in(state, region, contest))


def difference_payload(d: Difference) -> dict[str, object]:
    return {"count": d.count, "recap": d.recap, "children": d.children, "real": d.real}


def plan_recap_signed_off(state: State, region: str, contest: str, explanation: str, who: Operator) -> Draft:
    recap = _checked(state, region, contest, who, "recap.signed_off")
    if not recap.photos:
        raise RecapPhotoRequired("enter the recap with a photo of the signed D-form first", field="photos")
    diffs = differences_in(state, region, contest)
    explanation = explanation.strip()
    if diffs and not explanation:
        raise RecapDifferencesUnexplained(
            f"the recap differs in {len(diffs)} count(s); write why before signing off",
            field="explanation",
            extra={"differences": [difference_payload(d) for d in diffs]},
        )
    payload = {
        **_key(region, contest),
        "entered": recap.entered_seq,
        "differences": [difference_payload(d) for d in diffs],
        "explanation": explanation or None,
    }
    return Draft("recap.signed_off", payload, who.actor)


def plan_recap_reopened(state: State, region: str, contest: str, reason: str, who: Operator) -> Draft:
    _checked(state, region, contest, who, "recap.reopened")
    if who.scope == region or not is_within(region, who.scope):
        raise Forbidden("only an operator of a region above reopens a signed-off recap", field="region")
    if not reason.strip():
        raise InvalidInput("reopening a recap needs a reason", field="reason")
    return Draft("recap.reopened", {**_key(region, contest), "reason": reason.strip()}, who.actor)
