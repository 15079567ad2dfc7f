"""A rebuild folded in parts, a part of the country each, writes exactly what a rebuild in one process writes."""

import json

import pytest
from sqlalchemy import text

from rekap.domain.result import Result
from rekap.domain.submission import Submission, plan_submission
from rekap.gen import national
from rekap.log.commands import Command
from rekap.log.parts import copy_text, merge_totals, plan_parts
from rekap.store import tables as t


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("gen")
    national.generate_national(out, scale=0.0015, seed=3)  # every province, ~1,200 TPS
    return out


def _projections(rekap):
    with rekap.db.reader.connect() as conn:
        return {table.name: conn.execute(text(f"SELECT * FROM {table.name} ORDER BY 1, 2")).all()
                for table in t.PROJECTIONS}  # fmt: skip


def _load(rekap, out):
    rekap.imports.regions(out / national.REGIONS_FILE, "test")
    rekap.imports.tps(out / national.TPS_FILE, "test")
    rekap.imports.election(out / national.ELECTION_FILE, "test")
    officer = rekap.tokens.create("kpps", "officer", "test")[0].reporter()
    bodies = [json.loads(line) for line in (out / national.RESULTS_FILE).read_text().splitlines()]

    def command(b):
        r = b["result"]
        votes = {int(k): v for k, v in r["votes"].items()}
        sub = Submission(b["tps"], b["contest"], Result(votes, *(r[k] for k in Result._fields[1:])))
        return Command(lambda state: plan_submission(state, sub, officer, frozenset()))

    rekap.writer.append_batch([command(b) for b in bodies])
    return bodies


def test_the_log_knows_the_province_of_every_result(empty, generated):
    rekap = empty
    bodies = _load(rekap, generated)
    with rekap.db.reader.connect() as conn:
        rows = conn.execute(text("SELECT kind, province, payload FROM log")).all()
    results = [(p, json.loads(payload)["tps"][:2]) for kind, p, payload in rows if kind == "result.submitted"]
    assert len(results) == len(bodies) and all(p == own for p, own in results)
    assert all(p is None for kind, p, _ in rows if kind != "result.submitted")


def test_parts_write_what_one_process_writes(empty, generated, db_url):
    if db_url.startswith("sqlite"):
        pytest.skip("parts fold on PostgreSQL")
    rekap = empty
    bodies = _load(rekap, generated)
    # witnesses who disagree, in several provinces: disagreements and flags add up across the parts too
    secret = rekap.tokens.create("saksi 1", "witness", "test", candidate=1)[1]
    witness = rekap.tokens.authenticate(secret)
    for b in bodies[::97]:
        r = b["result"]
        votes = {int(k): v for k, v in r["votes"].items()}
        votes[1] += 3
        moved = Result(votes, r["valid"] + 3, *(r[k] for k in Result._fields[2:]))
        rekap.submissions.submit(witness, Submission(b["tps"], b["contest"], moved))
    live = _projections(rekap)
    assert len({row.tps[:2] for row in live["accepted"]}) > 20

    done = rekap.rebuild(parts=3)
    assert _projections(rekap) == live
    assert (done.results, done.accepted) == (len(bodies) + len(bodies[::97]), len(bodies))
    rekap.rebuild(parts=1)
    assert _projections(rekap) == live
    assert rekap.verify().ok


def test_every_province_is_dealt_and_the_rest_goes_to_the_first_part():
    parts = plan_parts({"31": 30, "32": 50, "33": 40, "11": 5}, 2)
    assert parts[0].provinces | parts[1].provinces == {"31", "32", "33", "11"}
    assert not parts[0].provinces & parts[1].provinces
    assert parts[0].owns("99") and not parts[1].owns("99")  # a province the plan never saw
    assert all(parts[0].owns(p) != parts[1].owns(p) for p in ("31", "32", "33", "11", "99"))


def test_copy_text_escapes_what_copy_would_misread():
    assert copy_text((1, None, True, "a\tb\\c\nd\re")) == "1\t\\N\tt\ta\\tb\\\\c\\nd\\re\n"


def test_merged_nation_rows_add_up_as_of_the_later_part():
    from rekap.domain.fold import Totals

    a = Totals({1: 5}, [5, 1, 6, 1, 10, 200, 2000, 0, 1], 40, "x")
    b = Totals({1: 2, 2: 3}, [5, 0, 5, 1, 12, 300, 2500, 1, 0], 50, "y")
    m = merge_totals([{("ID", "c"): a}, {("ID", "c"): b}])[("ID", "c")]
    assert (m.votes, m.valid, m.voters, m.tps_reported, m.tps_total, m.dpt_reported, m.dpt_total) == (
        {1: 7, 2: 3}, 10, 11, 2, 22, 500, 4500)  # fmt: skip
    assert (m.flagged, m.disagreements, m.last_seq, m.updated_at) == (1, 1, 50, "y")
    assert a.votes == {1: 5}  # the parts' own rows are left alone


def test_held_and_confirmed_results_rebuild_the_same_in_parts(empty, generated, db_url):
    if db_url.startswith("sqlite"):
        pytest.skip("parts fold on PostgreSQL")
    rekap = empty
    rekap.imports.regions(generated / national.REGIONS_FILE, "test")
    rekap.imports.tps(generated / national.TPS_FILE, "test")
    rekap.imports.election(generated / national.ELECTION_FILE, "test")
    volunteer = rekap.tokens.authenticate(rekap.tokens.create("relawan", "volunteer", "ID")[1])
    operator = rekap.tokens.authenticate(rekap.tokens.create("operator", "operator", "ID")[1])
    bodies = [json.loads(line) for line in (generated / national.RESULTS_FILE).read_text().splitlines()][::40]
    seqs = []
    for b in bodies:  # every one above the TPS's ballots: held
        r = b["result"]
        votes = {int(k): v for k, v in r["votes"].items()}
        votes[1] += 5000
        inflated = Result(votes, r["valid"] + 5000, *(r[k] for k in Result._fields[2:]))
        seqs.append(rekap.submissions.submit(volunteer, Submission(b["tps"], b["contest"], inflated)).seq)
    for seq in seqs[::2]:
        rekap.confirmations.confirm(operator.actor, operator.scope, seq, "checked the photo")
    nation = rekap.writer.state.totals[("ID", bodies[0]["contest"])]
    assert (nation.held, nation.tps_reported) == (len(seqs) - len(seqs[::2]), len(seqs[::2]))
    live = _projections(rekap)
    rekap.rebuild(parts=3)
    assert _projections(rekap) == live
    assert rekap.verify().ok
