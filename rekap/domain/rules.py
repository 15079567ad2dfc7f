"""The rules a C1 result is checked by: data, each with an id so a flag can name it, and versioned.

A rule compares one count of the form (`field`; "*" for every count and every candidate's votes) with the sum
of some `terms` (counts of the form, "votes" for all candidates' votes together, "tps.…" for what the register
says of the TPS; no terms: zero). Being data, the same definitions check a result on the server and, served as
JSON, in the field form while an officer types.

Every entry records the version of the rules it was checked with, and the fold uses the findings the entry
recorded: a later change of the rules never rewrites history. A rule changes by ending (`until`) and a new one
starting (`since`) in the next version, so every version's rules stay here and `rekap verify` can re-check an
old entry with the rules of its own version.

Version 2 bounds every count by what the TPS can physically have (issue 18): KPU sends a TPS as many ballots as its
DPT plus a reserve (`ballot_reserve_permille` of the election: 2 %, 2.5 % in Pilkada 2017), so no count of the
form can be more than those ballots; and the law caps the voters of any TPS (`max_voters_per_tps`: 800 in
Pilkada 2017, 300 in Pemilu 2024), reserve on top, which bounds a TPS whose DPT is not known. DPTb and DPK voters
above the reserve are a warning: they may have voted on ballots that absent DPT voters left. A finding of
severity "bound" is refused from officers and holds any other source's result out of the totals until an
operator confirms it (`result.confirmed`).

Version 2 also knows counts a source did not give (None, issue 16): a rule whose field or terms are unknown is
not checked — it neither passes nor fails — and the entry records its id among `unchecked`.

Version 3 has the rules of version 2; what changed is what a region's D-form (a recap) is held to. Its totals are
many TPS's, so the law's maximum of one TPS is no bound on them (version 2 flagged every kelurahan's D-form with
C1-LEGAL-MAX); a region's facts have no legal maximum (`max_voters` None), and the rule does not apply to them.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from rekap.domain.result import COUNT_FIELDS, Result

#: the version new entries are checked with
RULES_VERSION = 3

_OPS: dict[str, Callable[[int, int], bool]] = {"==": operator.eq, "<=": operator.le, ">=": operator.ge}


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    field: str
    expected: int
    got: int
    severity: str = "error"

    def to_payload(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "field": self.field,
            "expected": self.expected,
            "got": self.got,
            "severity": self.severity,
        }


#: KPU's ballot reserve when an election does not say (2 % of the DPT), and the largest number of voters any
#: Indonesian law has let one TPS have (800, Pilkada 2017)
DEFAULT_RESERVE_PERMILLE = 20
DEFAULT_MAX_VOTERS = 800


def reserve_of(voters: int, permille: int) -> int:
    """The reserve ballots sent for `voters`: the per-mille rounded up (no TPS is sent a fraction of a ballot)."""
    return -(-voters * permille // 1000)


@dataclass(frozen=True, slots=True)
class TpsFacts:
    """What the rules may know of a TPS besides its form: the register's figures and the election's bounds."""

    dpt: int | None  # voters in the register (DPT) of the TPS; None: not known
    reserve_permille: int = DEFAULT_RESERVE_PERMILLE
    max_voters: int | None = DEFAULT_MAX_VOTERS  # None: no legal maximum applies (a region's sums, version 3)

    @property
    def reserve(self) -> int | None:
        return None if self.dpt is None else reserve_of(self.dpt, self.reserve_permille)

    @property
    def ballots(self) -> int | None:
        """The ballots the TPS was sent: its DPT and the reserve."""
        return None if self.dpt is None else self.dpt + reserve_of(self.dpt, self.reserve_permille)

    @property
    def max_ballots(self) -> int | None:
        """The most ballots the law lets any TPS of the election have."""
        if self.max_voters is None:
            return None
        return self.max_voters + reserve_of(self.max_voters, self.reserve_permille)


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    description: str
    field: str
    op: str
    terms: tuple[str, ...] = ()
    severity: str = "error"
    since: int = 1
    until: int | None = None

    def applies_in(self, version: int) -> bool:
        return self.since <= version and (self.until is None or version <= self.until)

    def to_data(self) -> dict[str, object]:
        return {
            "id": self.id,
            "description": self.description,
            "field": self.field,
            "op": self.op,
            "terms": list(self.terms),
            "severity": self.severity,
        }


RULES: tuple[Rule, ...] = (
    Rule("C1-NONNEG", "no number on the form is negative", "*", ">="),
    Rule("C1-SUM", "votes for candidates add up to valid votes", "valid", "==", ("votes",)),
    Rule("C1-USED", "valid + invalid votes = ballots used", "used", "==", ("valid", "invalid")),
    Rule("C1-VOTERS", "voters who voted = ballots used", "voters", "==", ("used",)),
    Rule("C1-CAPACITY", "voters who voted ≤ DPT + DPTb + DPK", "voters", "<=", ("dpt", "dptb", "dpk")),
    Rule(
        "C1-DPT-REGISTER",
        "the DPT written on the form is the TPS's DPT in the register",
        "dpt",
        "==",
        ("tps.dpt",),
        severity="warning",
    ),
    # a warning, not a bound: DPTb and DPK voters may vote on the ballots of DPT voters who did not come (in
    # Pilkada DKI 2017's first round 247,654 DPTb and moved voters voted against 186,134 reserve ballots)
    Rule("C1-DPTB-RESERVE", "DPTb voters fit in the reserve ballots", "dptb", "<=", ("tps.reserve",), "warning", 2),
    Rule("C1-DPK-RESERVE", "DPK voters fit in the reserve ballots", "dpk", "<=", ("tps.reserve",), "warning", 2),
    Rule(
        "C1-BALLOTS",
        "no number on the form is more than the ballots the TPS was sent (DPT + reserve)",
        "*",
        "<=",
        ("tps.ballots",),
        severity="bound",
        since=2,
    ),
    Rule(
        "C1-LEGAL-MAX",
        "no number on the form is more than the law lets a TPS have (its maximum of voters + reserve)",
        "*",
        "<=",
        ("tps.max_ballots",),
        severity="bound",
        since=2,
    ),
)


def rules_of(version: int) -> tuple[Rule, ...]:
    """The rules of one version, in the order their findings are listed."""
    rules = tuple(r for r in RULES if r.applies_in(version))
    if not rules:
        raise ValueError(f"no rules of version {version}")
    return rules


def known_version(version: int) -> bool:
    return 1 <= version <= RULES_VERSION


def _term(term: str, r: Result, facts: TpsFacts) -> int | None:
    if term == "votes":
        return sum(r.votes.values())
    if term.startswith("tps."):
        value: int | None = getattr(facts, term.removeprefix("tps."))
        return value
    value = getattr(r, term)
    return value


def _fields(r: Result, field: str) -> Iterator[tuple[str, int | None]]:
    if field != "*":
        yield field, getattr(r, field)
        return
    for f in COUNT_FIELDS:
        yield f, getattr(r, f)
    for number, v in sorted(r.votes.items()):
        yield f"votes.{number}", v


def _expected(rule: Rule, r: Result, facts: TpsFacts) -> int | None:
    """The sum of the rule's terms; None when one of them is unknown."""
    expected = 0
    for t in rule.terms:
        value = _term(t, r, facts)
        if value is None:
            return None
        expected += value
    return expected


def _findings(rule: Rule, r: Result, facts: TpsFacts) -> Iterator[Finding]:
    expected = _expected(rule, r, facts)
    if expected is None:
        return
    holds = _OPS[rule.op]
    for name, got in _fields(r, rule.field):
        # a count the form leaves out is no claim: "*" rules check the counts it gives
        if got is not None and not holds(got, expected):
            yield Finding(rule.id, name, expected, got, rule.severity)


def _checkable(rule: Rule, r: Result, facts: TpsFacts) -> bool:
    if rule.field != "*" and getattr(r, rule.field) is None:
        return False
    return _expected(rule, r, facts) is not None


def check(r: Result, facts: TpsFacts, version: int | None = None) -> tuple[Finding, ...]:
    """Every finding of the rules of `version` (default: the current one) on one result."""
    version = RULES_VERSION if version is None else version
    if version in QUICK_VERSIONS and quick_clean(r, facts):  # nearly every form: nothing to build
        return ()
    return tuple(f for rule in rules_of(version) for f in _findings(rule, r, facts))


def unchecked(r: Result, facts: TpsFacts, version: int | None = None) -> tuple[str, ...]:
    """The ids of the rules of `version` that cannot be checked: a count they compare is unknown."""
    version = RULES_VERSION if version is None else version
    if version < 2 or (facts.dpt is not None and None not in r[1:]):  # every count known: nothing to build
        return ()
    return tuple(rule.id for rule in rules_of(version) if not _checkable(rule, r, facts))


#: the versions whose rules `quick_clean` restates (3 has 2's rules); any other is checked rule by rule
QUICK_VERSIONS = (2, 3)


def quick_clean(r: Result, facts: TpsFacts) -> bool:
    """True only when no rule of QUICK_VERSIONS fires on a form whose counts are all known: the common case in a
    few comparisons. It restates those rules, so a property test holds it equal to them (tests/test_rules.py)."""
    dpt, max_ballots = facts.dpt, facts.max_ballots
    if dpt is None or max_ballots is None:
        return False
    valid, invalid, used, unused, damaged, form_dpt, dptb, dpk, voters = r[1:]
    if valid is None or invalid is None or used is None or unused is None or damaged is None:
        return False
    if form_dpt is None or dptb is None or dpk is None or voters is None:
        return False
    reserve = -(-dpt * facts.reserve_permille // 1000)
    ballots = min(dpt + reserve, max_ballots)
    total = 0
    for v in r.votes.values():
        if v < 0 or v > ballots:
            return False
        total += v
    return (
        total == valid
        and valid + invalid == used == voters
        and voters <= form_dpt + dptb + dpk
        and form_dpt == dpt
        and dptb <= reserve
        and dpk <= reserve
        and min(valid, invalid, used, unused, damaged, form_dpt, dptb, dpk, voters) >= 0
        and max(valid, invalid, used, unused, damaged, form_dpt, dptb, dpk, voters) <= ballots
    )


def rules_as_data(version: int | None = None) -> dict[str, object]:
    """The rules of a version (default: the current one) as JSON-ready data, for the field form that checks a
    result as it is typed."""
    version = RULES_VERSION if version is None else version
    return {"version": version, "fields": list(COUNT_FIELDS), "rules": [r.to_data() for r in rules_of(version)]}
