"""The rules of a C1: each fires when it should and stays quiet otherwise; they are data, versioned, and the
fast check never disagrees with them."""

from hypothesis import given
from hypothesis import strategies as st

from rekap.domain import rules
from rekap.domain.result import Result
from rekap.domain.rules import (
    RULES,
    RULES_VERSION,
    TpsFacts,
    check,
    quick_clean,
    reserve_of,
    rules_as_data,
    rules_of,
    unchecked,
)


def result(votes=(120, 150), invalid=5, dpt=300, dptb=0, dpk=0, voters=None, used=None, valid=None):
    valid = sum(votes) if valid is None else valid
    used = valid + invalid if used is None else used
    voters = used if voters is None else voters
    ballots = dpt + reserve_of(dpt, rules.DEFAULT_RESERVE_PERMILLE)
    return Result({2: votes[0], 3: votes[1]}, valid, invalid, used, max(0, ballots - used), 0, dpt, dptb, dpk, voters)


def findings(r, registered=None):
    return check(r, TpsFacts(dpt=r.dpt if registered is None else registered))


def rules_fired(r):
    return {(f.rule, f.field) for f in findings(r)}


def test_clean_result_breaks_no_rule():
    assert findings(result()) == ()


def test_every_rule_has_an_id_and_description():
    ids = {r.id for r in rules_of(RULES_VERSION)}
    assert ids == {"C1-NONNEG", "C1-SUM", "C1-USED", "C1-VOTERS", "C1-CAPACITY", "C1-DPT-REGISTER", "C1-BALLOTS",
                   "C1-DPTB-RESERVE", "C1-DPK-RESERVE", "C1-LEGAL-MAX"}  # fmt: skip
    assert {r.id for r in rules_of(1)} == {"C1-NONNEG", "C1-SUM", "C1-USED", "C1-VOTERS", "C1-CAPACITY",
                                          "C1-DPT-REGISTER"}  # fmt: skip
    assert all(r.description for r in RULES)


def test_sum_of_candidates_must_be_valid():
    sum_finding = next(f for f in findings(result(valid=271)) if f.rule == "C1-SUM")
    assert (sum_finding.field, sum_finding.expected, sum_finding.got) == ("valid", 270, 271)


def test_valid_plus_invalid_must_be_used():
    assert ("C1-USED", "used") in rules_fired(result(used=280))


def test_voters_must_equal_used():
    assert rules_fired(result(voters=276)) == {("C1-VOTERS", "voters")}


def test_voters_within_register():
    r = result(votes=(200, 106), invalid=0, dpt=300, dptb=3, dpk=2)
    assert rules_fired(r) == {("C1-CAPACITY", "voters")}
    assert findings(result(votes=(200, 106), invalid=0, dpt=300, dptb=3, dpk=3)) == ()


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
    now, later = RULES_VERSION, RULES_VERSION + 1
    stricter = rules.Rule("C1-CAPACITY", "voters ≤ DPT", "voters", "<=", ("dpt",), since=later)
    changed = tuple(
        rules.Rule(r.id, r.description, r.field, r.op, r.terms, r.severity, r.since, now)
        if r.id == "C1-CAPACITY" else r
        for r in RULES
    )  # fmt: skip
    monkeypatch.setattr(rules, "RULES", (*changed, stricter))
    monkeypatch.setattr(rules, "RULES_VERSION", later)
    r = result(votes=(200, 145), invalid=0, dpt=340, dptb=5)
    assert rules_fired(r) == {("C1-CAPACITY", "voters")}  # the current version, now `later`
    assert check(r, TpsFacts(dpt=340), version=now) == ()
    assert {(f.rule, f.field) for f in check(r, TpsFacts(dpt=340), version=later)} == {("C1-CAPACITY", "voters")}


counts = st.integers(min_value=0, max_value=300)


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
    every = tuple(f for rule in rules_of(rules.RULES_VERSION) for f in rules._findings(rule, r, facts))
    assert quick_clean(r, facts) == (every == ())
    assert check(r, facts) == every


@given(a=small, b=small, valid=small, invalid=small, used=small, unused=small, damaged=small, dpt=small,
       dptb=small, dpk=small, voters=small, registered=small, permille=st.sampled_from([0, 20, 25]),
       most=st.integers(1, 40))  # fmt: skip
def test_the_fast_check_is_its_rules_with_the_bounds(a, b, valid, invalid, used, unused, damaged, dpt, dptb, dpk,
                                                     voters, registered, permille, most):  # fmt: skip
    r = Result({2: a, 3: b}, valid, invalid, used, unused, damaged, dpt, dptb, dpk, voters)
    facts = TpsFacts(registered, permille, most)
    every = tuple(f for rule in rules_of(rules.RULES_VERSION) for f in rules._findings(rule, r, facts))
    assert quick_clean(r, facts) == (every == ())
    assert check(r, facts) == every


def test_a_five_million_dpk_is_above_every_bound():
    r = result(votes=(5_000_200, 150), dpt=493, dpk=5_000_000)
    fired = {(f.rule, f.field) for f in findings(r) if f.severity == "bound"}
    assert {("C1-BALLOTS", "dpk"), ("C1-BALLOTS", "voters"), ("C1-BALLOTS", "votes.2"),
            ("C1-LEGAL-MAX", "voters")} <= fired  # fmt: skip
    reserve = next(f for f in findings(r) if f.rule == "C1-DPK-RESERVE")
    assert reserve.expected == 10  # 2 % of 493, rounded up


def test_the_reserve_is_rounded_up_and_the_law_caps_a_register_too_large():
    assert reserve_of(493, 25) == 13 and reserve_of(400, 25) == 10 and reserve_of(0, 25) == 0
    facts = TpsFacts(dpt=2000, reserve_permille=20, max_voters=800)  # a register the law does not allow
    r = result(votes=(700, 250), invalid=10, dpt=2000)
    assert {(f.rule, f.field) for f in check(r, facts)} >= {("C1-LEGAL-MAX", "voters")}


def without(r, *fields):
    return r._replace(**{f: None for f in fields})


def test_counts_left_out_are_not_checked():
    crowd = without(result(), "used", "unused", "damaged", "dpt", "dptb", "dpk", "voters")  # votes, valid, invalid
    assert findings(crowd, registered=300) == ()
    assert set(unchecked(crowd, TpsFacts(300))) == {"C1-USED", "C1-VOTERS", "C1-CAPACITY", "C1-DPT-REGISTER",
                                                     "C1-DPTB-RESERVE", "C1-DPK-RESERVE"}  # fmt: skip
    assert unchecked(result(), TpsFacts(300)) == ()
    wrong_sum = without(result(valid=999), "used", "voters")
    assert {f.rule for f in findings(wrong_sum)} >= {"C1-SUM"}


def test_a_tps_whose_dpt_is_unknown_is_checked_against_the_law_only():
    facts = TpsFacts(dpt=None)
    assert check(result(dpt=300), facts) == ()
    assert set(unchecked(result(dpt=300), facts)) == {"C1-DPT-REGISTER", "C1-BALLOTS", "C1-DPTB-RESERVE",
                                                      "C1-DPK-RESERVE"}  # fmt: skip
    huge = result(votes=(900, 0), invalid=0, dpt=900)
    assert {f.rule for f in check(huge, facts)} == {"C1-LEGAL-MAX"}


maybe = st.one_of(st.none(), small)


@given(data=st.data(), a=small, b=small, registered=st.one_of(st.none(), small),
       counts=st.lists(maybe, min_size=9, max_size=9), fill=st.lists(small, min_size=9, max_size=9))  # fmt: skip
def test_an_unknown_count_neither_passes_nor_fails_a_rule(data, a, b, registered, counts, fill):
    """Whatever the unknown counts are, the findings on the known ones stay: every other finding a completed
    form has is of a rule recorded as not checked, or on a count that was left out."""
    r = Result({2: a, 3: b}, *counts)
    facts = TpsFacts(registered, 20, 30)
    known = set(check(r, facts))
    not_checked = set(unchecked(r, facts))
    left_out = {f for f, v in zip(Result._fields[1:], counts, strict=True) if v is None}
    assert not any(f.rule in not_checked for f in known)
    complete = Result({2: a, 3: b}, *(v if v is not None else x for v, x in zip(counts, fill, strict=True)))
    for facts_now in (facts, TpsFacts(registered if registered is not None else data.draw(small), 20, 30)):
        if facts_now.dpt != facts.dpt and registered is not None:
            continue
        found = set(check(complete, facts_now))
        assert known <= found
        assert all(f.rule in not_checked or f.field in left_out for f in found - known)
