"""The rules of a C1: each fires when it should and stays quiet otherwise; they are data, versioned, and the
fast check never disagrees with them."""

from hypothesis import given
from hypothesis import strategies as st

from rekap.domain import rules
from rekap.domain.result import Result
from rekap.domain.rules import RULES, RULES_VERSION, TpsFacts, check, quick_clean, rules_as_data, rules_of


def result(votes=(120, 150), invalid=5, dpt=300, dptb=0, dpk=0, voters=None, used=None, valid=None):
    valid = sum(votes) if valid is None else valid
    used = valid + invalid if used is None else used
    voters = used if voters is None else voters
    return Result({2: votes[0], 3: votes[1]}, valid, invalid, used, max(0, dpt + 10 - used), 0, dpt, dptb, dpk, voters)


def findings(r, registered=None):
    return check(r, TpsFacts(dpt=r.dpt if registered is None else registered))


def rules_fired(r):
    return {(f.rule, f.field) for f in findings(r)}


def test_clean_result_breaks_no_rule():
    assert findings(result()) == ()


def test_every_rule_has_an_id_and_description():
    ids = {r.id for r in rules_of(RULES_VERSION)}
    assert ids == {"C1-NONNEG", "C1-SUM", "C1-USED", "C1-VOTERS", "C1-CAPACITY", "C1-DPT-REGISTER"}
    assert all(r.description for r in RULES)


def test_sum_of_candidates_must_be_valid():
    sum_finding = next(f for f in findings(result(valid=271)) if f.rule == "C1-SUM")
    assert (sum_finding.field, sum_finding.expected, sum_finding.got) == ("valid", 270, 271)


def test_valid_plus_invalid_must_be_used():
    assert ("C1-USED", "used") in rules_fired(result(used=280))


def test_voters_must_equal_used():
    assert rules_fired(result(voters=276)) == {("C1-VOTERS", "voters")}


def test_voters_within_register():
    r = result(votes=(200, 150), invalid=0, dpt=300, dptb=20, dpk=29)
    assert rules_fired(r) == {("C1-CAPACITY", "voters")}
    assert findings(result(votes=(200, 150), invalid=0, dpt=300, dptb=20, dpk=30)) == ()


def test_negative_numbers_named_by_field():
    assert ("C1-NONNEG", "votes.2") in rules_fired(result(votes=(-1, 150)))
    assert ("C1-NONNEG", "invalid") in rules_fired(result(invalid=-2))


def test_register_mismatch_is_a_warning():
    [finding] = findings(result(dpt=300), registered=301)
    assert (finding.rule, finding.severity, finding.expected, finding.got) == ("C1-DPT-REGISTER", "warning", 301, 300)
    assert findings(result(dpt=300), registered=300) == ()


def test_the_rules_are_served_as_data():
    data = rules_as_data()
    assert data["version"] == RULES_VERSION
    by_id = {r["id"]: r for r in data["rules"]}
    assert by_id["C1-USED"] == {
        "id": "C1-USED",
        "description": "valid + invalid votes = ballots used",
        "field": "used",
        "op": "==",
        "terms": ["valid", "invalid"],
        "severity": "error",
    }


def test_a_changed_rule_keeps_the_old_version_checkable(monkeypatch):
    stricter = rules.Rule("C1-CAPACITY", "voters ≤ DPT", "voters", "<=", ("dpt",), since=2)
    changed = tuple(
        rules.Rule(r.id, r.description, r.field, r.op, r.terms, r.severity, r.since, 1) if r.id == "C1-CAPACITY" else r
        for r in RULES
    )
    monkeypatch.setattr(rules, "RULES", (*changed, stricter))
    monkeypatch.setattr(rules, "RULES_VERSION", 2)
    r = result(votes=(200, 150), invalid=0, dpt=340, dptb=10)
    assert rules_fired(r) == {("C1-CAPACITY", "voters")}  # the current version, now 2
    assert check(r, TpsFacts(dpt=340), version=1) == ()
    assert {(f.rule, f.field) for f in check(r, TpsFacts(dpt=340), version=2)} == {("C1-CAPACITY", "voters")}


counts = st.integers(min_value=0, max_value=400)


@given(a=counts, b=counts, invalid=st.integers(0, 30), extra=st.integers(0, 50))
def test_consistent_forms_always_pass(a, b, invalid, extra):
    r = result(votes=(a, b), invalid=invalid, dpt=a + b + invalid + extra)
    assert findings(r) == ()


@given(a=counts, b=counts, invalid=st.integers(0, 30), off=st.integers(1, 50), sign=st.sampled_from([-1, 1]))
def test_any_wrong_valid_is_caught(a, b, invalid, off, sign):
    r = result(votes=(a, b), invalid=invalid, dpt=900, valid=a + b + sign * off)
    assert any(f.rule == "C1-SUM" and f.expected == a + b for f in findings(r))


small = st.integers(min_value=-3, max_value=40)


@given(a=small, b=small, valid=small, invalid=small, used=small, unused=small, damaged=small, dpt=small,
       dptb=small, dpk=small, voters=small, registered=small)  # fmt: skip
def test_the_fast_check_is_its_rules(a, b, valid, invalid, used, unused, damaged, dpt, dptb, dpk, voters, registered):
    r = Result({2: a, 3: b}, valid, invalid, used, unused, damaged, dpt, dptb, dpk, voters)
    facts = TpsFacts(dpt=registered)
    every = tuple(f for rule in rules_of(rules.QUICK_VERSION) for f in rules._findings(rule, r, facts))
    assert quick_clean(r, facts) == (every == ())
    assert check(r, facts) == every
