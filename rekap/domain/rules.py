"""The rules a C1 result is checked by: data, each with an id so a flag can name it, and versioned.

A rule compares one count of the form (`field`; "*" for every count and every candidate's votes) with the sum
of some `terms` (counts of the form, "votes" for all candidates' votes together, "tps.…" for what the register
says of the TPS; no terms: zero). Being data, the same definitions check a result on the server and, served as
JSON, in the field form while an officer types.

Every entry records the version of the rules it was checked with, and the fold uses the findings the entry
recorded: a later change of the rules never rewrites history. A rule changes by ending (`until`) and a new one
starting (`since`) in the next version, so every version's rules stay here and `rekap verify` can re-check an
old entry with the rules of its own version.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from rekap.domain.result import COUNT_FIELDS, Result

#: the version new entries are checked with
RULES_VERSION = 1

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


@dataclass(frozen=True, slots=True)
class TpsFacts:
    """What the rules may know of a TPS besides its form: the register's figures."""

    dpt: int  # voters in the register (DPT) of the TPS


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
)


def rules_of(version: int) -> tuple[Rule, ...]:
    """The rules of one version, in the order their findings are listed."""
    rules = tuple(r for r in RULES if r.applies_in(version))
    if not rules:
        raise ValueError(f"no rules of version {version}")
    return rules


def known_version(version: int) -> bool:
    return 1 <= version <= RULES_VERSION


def _term(term: str, r: Result, facts: TpsFacts) -> int:
    if term == "votes":
        return sum(r.votes.values())
    if term.startswith("tps."):
        return int(getattr(facts, term.removeprefix("tps.")))
    return int(getattr(r, term))


def _fields(r: Result, field: str) -> Iterator[tuple[str, int]]:
    if field != "*":
        yield field, getattr(r, field)
        return
    for f in COUNT_FIELDS:
        yield f, getattr(r, f)
    for number, v in sorted(r.votes.items()):
        yield f"votes.{number}", v


def _findings(rule: Rule, r: Result, facts: TpsFacts) -> Iterator[Finding]:
    expected = sum(_term(t, r, facts) for t in rule.terms)
    holds = _OPS[rule.op]
    for name, got in _fields(r, rule.field):
        if not holds(got, expected):
            yield Finding(rule.id, name, expected, got, rule.severity)


def check(r: Result, facts: TpsFacts, version: int | None = None) -> tuple[Finding, ...]:
    """Every finding of the rules of `version` (default: the current one) on one result."""
    version = RULES_VERSION if version is None else version
    if version == QUICK_VERSION and quick_clean(r, facts):  # nearly every form: nothing to build
        return ()
    return tuple(f for rule in rules_of(version) for f in _findings(rule, r, facts))


#: the version `quick_clean` restates; any other version is checked rule by rule
QUICK_VERSION = 1


def quick_clean(r: Result, facts: TpsFacts) -> bool:
    """True only when no rule of QUICK_VERSION fires: the common case in a few comparisons. It restates those
    rules, so a property test holds it equal to them (tests/test_rules.py)."""
    total = 0
    for v in r.votes.values():
        if v < 0:
            return False
        total += v
    return (
        total == r.valid
        and r.valid + r.invalid == r.used == r.voters
        and r.voters <= r.dpt + r.dptb + r.dpk
        and r.dpt == facts.dpt
        and min(r.valid, r.invalid, r.used, r.unused, r.damaged, r.dpt, r.dptb, r.dpk, r.voters) >= 0
    )


def rules_as_data(version: int | None = None) -> dict[str, object]:
    """The rules of a version (default: the current one) as JSON-ready data, for the field form that checks a
    result as it is typed."""
    version = RULES_VERSION if version is None else version
    return {"version": version, "fields": list(COUNT_FIELDS), "rules": [r.to_data() for r in rules_of(version)]}
