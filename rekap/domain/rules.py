"""Arithmetic rules of a C1 result: data + pure functions, each with an id so a flag can name it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from rekap.domain.result import COUNT_FIELDS, Result

RULES_VERSION = 1


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
class Rule:
    id: str
    description: str
    severity: str
    check: Callable[[Result], Iterator[Finding]]


RULES: list[Rule] = []


def rule(rule_id: str, description: str, severity: str = "error") -> Callable[..., Callable[..., object]]:
    def register(fn: Callable[[Result], Iterator[Finding]]) -> Callable[[Result], Iterator[Finding]]:
        RULES.append(Rule(rule_id, description, severity, fn))
        return fn

    return register


@rule("C1-NONNEG", "no number on the form is negative")
def no_negative_numbers(r: Result) -> Iterator[Finding]:
    for f in COUNT_FIELDS:
        if getattr(r, f) < 0:
            yield Finding("C1-NONNEG", f, 0, getattr(r, f))
    for number, v in sorted(r.votes.items()):
        if v < 0:
            yield Finding("C1-NONNEG", f"votes.{number}", 0, v)


@rule("C1-SUM", "votes for candidates add up to valid votes")
def sum_matches_valid(r: Result) -> Iterator[Finding]:
    total = sum(r.votes.values())
    if total != r.valid:
        yield Finding("C1-SUM", "valid", total, r.valid)


@rule("C1-USED", "valid + invalid votes = ballots used")
def valid_and_invalid_make_used(r: Result) -> Iterator[Finding]:
    if r.valid + r.invalid != r.used:
        yield Finding("C1-USED", "used", r.valid + r.invalid, r.used)


@rule("C1-VOTERS", "voters who voted = ballots used")
def voters_match_used(r: Result) -> Iterator[Finding]:
    if r.voters != r.used:
        yield Finding("C1-VOTERS", "voters", r.used, r.voters)


@rule("C1-CAPACITY", "voters who voted ≤ DPT + DPTb + DPK")
def voters_within_register(r: Result) -> Iterator[Finding]:
    limit = r.dpt + r.dptb + r.dpk
    if r.voters > limit:
        yield Finding("C1-CAPACITY", "voters", limit, r.voters)


def check_arithmetic(r: Result) -> list[Finding]:
    if _obviously_clean(r):  # nearly every form: skip building findings that cannot exist
        return []
    return [f for rl in RULES for f in rl.check(r)]


def _obviously_clean(r: Result) -> bool:
    """True only when no rule can fire (checked again, rule by rule, whenever this says False)."""
    total = 0
    for v in r.votes.values():
        if v < 0:
            return False
        total += v
    return (
        total == r.valid
        and r.valid + r.invalid == r.used == r.voters
        and r.voters <= r.dpt + r.dptb + r.dpk
        and min(r.valid, r.invalid, r.used, r.unused, r.damaged, r.dpt, r.dptb, r.dpk, r.voters) >= 0
    )


def check_register(r: Result, registered_dpt: int) -> list[Finding]:
    """The DPT written on the form should be the TPS's DPT in the register: a warning, never a rejection."""
    if r.dpt != registered_dpt:
        return [Finding("C1-DPT-REGISTER", "dpt", registered_dpt, r.dpt, severity="warning")]
    return []
