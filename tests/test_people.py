"""People: grants in the domain, onboarding from CSV, activation, and what the log keeps (ids, never names)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from rekap.bootstrap import Rekap
from rekap.domain.errors import Forbidden, ImportRejected, Unauthorized
from rekap.domain.grants import Grant
from rekap.domain.people import PERMISSIONS, Actor, covers, grant_for, may
from rekap.services.people import CLI, GrantCaller
from rekap.store import tables as t
from tests.conftest import CONTEST, KELURAHAN, TPS, clean_result

OTHER_TPS = f"{KELURAHAN}-002"
ELSEWHERE = "31.01.01.1001-001"  # Kepulauan Seribu

codes = st.sampled_from(["31", "31.71", "31.71.01", KELURAHAN, "31.71.01.1002", "31.01", "31.01.01.1001"])
tps_numbers = st.integers(1, 30).map(lambda n: f"-{n:03d}")


@given(codes, codes, tps_numbers)
def test_a_region_grant_covers_the_tps_within_it_and_a_tps_grant_only_itself(scope: str, region: str, n: str) -> None:
    tps = region + n if region.count(".") == 3 else None
    assert covers(scope, region) == (region == scope or region.startswith(scope + "."))
    if tps:
        assert covers(scope, tps) == covers(scope, region)
        assert covers(tps, tps)
        assert not covers(tps, region)
        assert not covers(tps, tps[:-1] + ("2" if tps[-1] != "2" else "3"))


@given(st.sampled_from(sorted(PERMISSIONS)), st.sampled_from(["admin", "operator", "officer", "viewer", "witness"]))
def test_may_is_what_the_table_says(action: str, role: str) -> None:
    scope = "ID" if role == "admin" else "31.71"
    actor = Actor("u1", (Grant("g1", "u1", role, scope, 2 if role == "witness" else None),))
    perm = PERMISSIONS[action]
    inside, outside = TPS, ELSEWHERE
    assert may(actor, action, inside, public=False) == (role in perm.roles or perm.always)
    expected_out = (role in perm.roles and (perm.scope == "anywhere" or role == "admin")) or perm.always
    assert may(actor, action, outside, public=False) == expected_out
    assert may(Actor.anonymous(), action, inside, public=False) == perm.always
    assert may(Actor.anonymous(), action, inside, public=True) == perm.anonymous


def test_the_narrowest_grant_reports() -> None:
    wide, narrow = Grant("g1", "u", "operator", "31.71"), Grant("g2", "u", "officer", TPS)
    actor = Actor("u", (wide, narrow))
    assert grant_for(actor, "result.submit", TPS) == narrow
    assert grant_for(actor, "result.submit", OTHER_TPS) == wide


def test_every_other_action_is_done_under_the_widest_grant_that_covers_it() -> None:
    kelurahan, kecamatan = Grant("g1", "u", "operator", KELURAHAN), Grant("g2", "u", "operator", "31.71.01")
    officer, admin = Grant("g3", "u", "officer", TPS), Grant("g4", "u", "admin", "ID")
    actor = Actor("u", (kelurahan, kecamatan, officer))
    assert grant_for(actor, "result.correct", TPS) == kecamatan  # a verified correction, not the officer's
    assert grant_for(actor, "result.confirm", None) == kecamatan
    assert grant_for(actor, "result.confirm", "31.71.01.1002-001") == kecamatan
    assert grant_for(actor, "result.confirm", ELSEWHERE) is None
    assert grant_for(Actor("u", (Grant("g5", "u", "operator", "31"), admin)), "info.manage") == admin


def _csv(*rows: str) -> str:
    return "name,phone,tps,role,candidate\n" + "\n".join(rows) + "\n"


def _log(rekap: Rekap) -> list[dict[str, object]]:
    with rekap.db.reader.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(t.log).order_by(t.log.c.seq))]


def test_onboarding_to_a_report_keeps_names_and_phones_out_of_the_log(rekap: Rekap) -> None:
    issued = rekap.people.import_officers(
        CLI,
        _csv(f"Sitiqwerty Aminahzz,0812-3456-7890,{TPS},officer,", f"Budixyz Santosoqq,+6281300001111,{TPS},witness,2"),
    )
    assert [i.phone for i in issued] == ["081234567890", "081300001111"]
    user = rekap.people.activate(issued[0].code, "246810")
    secret, uid = rekap.sessions.login("081234567890", "246810", "10.0.0.1")
    assert uid == user
    actor = rekap.sessions.actor_of(secret)
    assert actor is not None and [g.role for g in actor.grants] == ["officer"]
    grant = grant_for(actor, "result.submit", TPS)
    assert grant is not None
    from rekap.domain.submission import Submission
    from rekap.web.schemas import ResultIn

    sub = Submission(TPS, CONTEST, ResultIn(**clean_result()).to_domain())  # type: ignore[arg-type]
    receipt = rekap.submissions.submit(GrantCaller(grant), sub)
    assert receipt.accepted
    log = _log(rekap)
    text = json.dumps(log)
    for personal in ("Sitiqwerty", "Aminahzz", "Budixyz", "081234567890", "081300001111", "$argon2"):
        assert personal not in text
    kinds = [e["kind"] for e in log]
    assert "grants.given" in kinds and "user.activated" in kinds
    assert log[-1]["actor"] == f"grant:{grant.id}"
    assert rekap.verify().ok
    rekap.rebuild()
    assert rekap.verify().ok


def test_a_code_works_once_and_not_after_it_expires(settings) -> None:  # type: ignore[no-untyped-def]
    now = [1_800_000_000]
    rekap = Rekap.open(settings, create=False, clock=lambda: now[0])
    try:
        from rekap.demo.simulate import DATA

        rekap.imports.regions(DATA / "wilayah_dki.csv", "test")
        user, _, issued = rekap.people.create(CLI, "Ani", "officer", KELURAHAN)
        assert issued is not None
        now[0] += rekap.people.code_seconds + 1
        with pytest.raises(Unauthorized):
            rekap.people.activate(issued.code, "135790")
        fresh = rekap.people.reissue(CLI, [user])[0]
        assert rekap.people.activate(fresh.code, "135790") == user
        with pytest.raises(Unauthorized):
            rekap.people.activate(fresh.code, "135790")
    finally:
        rekap.close()


def test_bad_rows_are_named_by_line_and_nothing_is_imported(rekap: Rekap) -> None:
    text = _csv(
        f"Siti,0812345678,{TPS},officer,",
        f",0812345679,{TPS},officer,",
        "Joko,0812345680,31.71.01.1001-999,officer,",
        f"Rina,0812345678,{OTHER_TPS},officer,",
        f"Dewi,0812345681,{TPS},admin,",
    )
    with pytest.raises(ImportRejected) as caught:
        rekap.people.import_officers(CLI, text)
    errors = caught.value.extra["errors"]
    assert [e.split(":")[0] for e in errors] == ["line 3", "line 4", "line 5", "line 6"]
    with rekap.db.reader.connect() as conn:
        assert conn.execute(select(t.users)).first() is None
    assert not any(e["kind"] == "grants.given" for e in _log(rekap))


def test_an_operator_grants_only_within_their_scope(rekap: Rekap) -> None:
    op_user, op_grant, _ = rekap.people.create(CLI, "Op Gambir", "operator", "31.71.01")
    operator = Actor(op_user, (Grant(op_grant, op_user, "operator", "31.71.01"),))
    rekap.people.import_officers(operator, _csv(f"Siti,,{TPS},officer,"))
    with pytest.raises(ImportRejected, match="line 2"):
        rekap.people.import_officers(operator, _csv(f"Joko,,{ELSEWHERE},officer,"))
    with pytest.raises(Forbidden):
        rekap.people.create(operator, "Boss", "admin", "ID")


def test_a_token_issued_by_a_user_dies_with_their_grant(rekap: Rekap) -> None:
    user, gid, _ = rekap.people.create(CLI, "Op", "operator", "31.71")
    info, secret = rekap.tokens.create("op's importer", "importer", f"user:{user}", "31.71", grant=gid)
    assert rekap.tokens.authenticate(secret).id == info.id
    rekap.people.revoke(CLI, gid)
    with pytest.raises(Unauthorized):
        rekap.tokens.authenticate(secret)
    assert rekap.verify().ok


def test_deactivating_ends_sessions_and_grants(rekap: Rekap) -> None:
    user, _, _ = rekap.people.create(CLI, "Ani", "officer", TPS, username="ani", password="rahasia1")
    secret, _ = rekap.sessions.login("ani", "rahasia1", "10.0.0.2")
    assert rekap.sessions.actor_of(secret) is not None
    rekap.people.deactivate(CLI, user)
    assert rekap.sessions.actor_of(secret) is None
    assert rekap.writer.state.grants == {}
    with pytest.raises(Unauthorized):
        rekap.sessions.login("ani", "rahasia1", "10.0.0.2")


def test_a_locked_contest_takes_no_submissions(rekap: Rekap, officer_token: str) -> None:
    from rekap.domain.errors import ContestLocked
    from rekap.domain.submission import Submission
    from rekap.web.schemas import ResultIn

    rekap.people.lock(CLI, CONTEST, True)
    token = rekap.tokens.authenticate(officer_token)
    sub = Submission(TPS, CONTEST, ResultIn(**clean_result()).to_domain())  # type: ignore[arg-type]
    with pytest.raises(ContestLocked):
        rekap.submissions.submit(token, sub)
    rekap.people.lock(CLI, CONTEST, False)
    assert rekap.submissions.submit(token, sub).accepted
    rekap.rebuild()
    assert rekap.verify().ok
