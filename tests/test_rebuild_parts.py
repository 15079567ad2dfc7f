"""A rebuild folded in parts, a part of the country each, writes exactly what a rebuild in one process writes."""

import json

import pytest
from sqlalchemy import text

from rekap.domain.result import Result
from rekap.domain.submission import Report, plan_submission
from rekap.gen import national
from rekap.services import audit, imports, submissions, tokens
from rekap.store import tables as t
from rekap.store.ledger import Command
from rekap.store.rebuild import copy_text, merge_totals, plan_parts


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("gen")
    national.generate_national(out, scale=0.0015, seed=3)  # every province, ~1,200 TPS
    return out


def _projections(ctx):
    with ctx.db.reader.connect() as conn:
        return {table.name: conn.execute(text(f"SELECT * FROM {table.name} ORDER BY 1, 2")).all()
                for table in t.PROJECTIONS}  # fmt: skip


def _load(ctx, out):
    imports.import_regions(ctx, out / national.REGIONS_FILE, "test")
    imports.import_tps(ctx, out / national.TPS_FILE, "test")
    imports.import_election(ctx, out / national.ELECTION_FILE, "test")
    officer = tokens.create_token(ctx, "kpps", "officer", "test")[0].reporter()
    bodies = [json.loads(line) for line in (out / national.RESULTS_FILE).read_text().splitlines()]

    def command(b):
        r = b["result"]
        votes = {int(k): v for k, v in r["votes"].items()}
        report = Report(b["tps"], b["contest"], Result(votes, *(r[k] for k in Result._fields[1:])))
        return Command(lambda state: plan_submission(state, report, officer, frozenset()))

    ctx.ledger.append_batch([command(b) for b in bodies])
    return bodies


def test_parts_write_what_one_process_writes(empty_ctx, generated, db_url):
    if db_url.startswith("sqlite"):
        pytest.skip("parts fold on PostgreSQL")
    ctx = empty_ctx
    bodies = _load(ctx, generated)
    # witnesses who disagree, in several provinces: disagreements and flags add up across the parts too
    secret = tokens.create_token(ctx, "saksi 1", "witness", "test", candidate=1)[1]
    witness = tokens.authenticate(ctx, secret)
    for b in bodies[::97]:
        r = b["result"]
        votes = {int(k): v for k, v in r["votes"].items()}
        votes[1] += 3
        moved = Result(votes, r["valid"] + 3, *(r[k] for k in Result._fields[2:]))
        submissions.submit_result(ctx, witness, Report(b["tps"], b["contest"], moved))
    live = _projections(ctx)
    assert len({row.tps[:2] for row in live["accepted"]}) > 20

    done = audit.rebuild(ctx, parts=3)
    assert _projections(ctx) == live
    assert (done.results, done.accepted) == (len(bodies) + len(bodies[::97]), len(bodies))
    audit.rebuild(ctx, parts=1)
    assert _projections(ctx) == live
    assert audit.verify_local(ctx).ok


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

    a = Totals({1: 5}, 5, 1, 6, 1, 10, 200, 2000, 0, 1, 40, "x")
    b = Totals({1: 2, 2: 3}, 5, 0, 5, 1, 12, 300, 2500, 1, 0, 50, "y")
    m = merge_totals([{("ID", "c"): a}, {("ID", "c"): b}])[("ID", "c")]
    assert (m.votes, m.valid, m.voters, m.tps_reported, m.tps_total, m.dpt_reported, m.dpt_total) == (
        {1: 7, 2: 3}, 10, 11, 2, 22, 500, 4500)  # fmt: skip
    assert (m.flagged, m.disagreements, m.last_seq, m.updated_at) == (1, 1, 50, "y")
    assert a.votes == {1: 5}  # the parts' own rows are left alone
