"""Verify catches tampering precisely; rebuild recomputes exactly what the live path wrote; exports re-verify."""

import hashlib
import json
import threading
import time

import pytest
import uvicorn
from conftest import CONTEST, TPS, clean_result
from sqlalchemy import select, text, update
from test_api_photos import image_bytes

from rekap.bootstrap import build_app
from rekap.domain.result import Result
from rekap.domain.submission import Report
from rekap.services import audit, photos, submissions, tokens
from rekap.store import tables as t


def fill(ctx, n=6):
    token = tokens.authenticate(ctx, tokens.create_token(ctx, "kpps", "officer", "test")[1])
    codes = sorted(c for c in ctx.ledger.state.tps if c.startswith("31.71.01"))[:n]
    for i, code in enumerate(codes):
        data = image_bytes(size=(40 + i, 30))
        sha = hashlib.sha256(data).hexdigest()
        photos.put_photo(ctx, sha, data, "image/jpeg", token.actor)
        dpt = ctx.ledger.state.tps[code].dpt
        body = clean_result(dpt=dpt, votes=(100 + i, 90))
        r = Result(votes={2: body["votes"]["2"], 3: body["votes"]["3"]},
                   **{k: v for k, v in body.items() if k != "votes"})
        submissions.submit_result(ctx, token, Report(code, CONTEST, r, (sha,)))
    return codes


def table_rows(ctx, table):
    with ctx.db.reader.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(select(table)))


def test_verify_passes_on_an_honest_log(ctx):
    fill(ctx)
    report = audit.verify_local(ctx)
    assert report.ok, report
    assert report.photos_checked == 6 and report.totals_checked > 0


def test_one_edited_byte_in_one_entry_is_caught_at_that_entry(ctx):
    fill(ctx)
    with ctx.db.writer.begin() as conn:
        row = conn.execute(select(t.log).where(t.log.c.kind == "result.submitted").order_by(t.log.c.seq)
                           .offset(2)).first()
        tampered = row.payload.replace('"2":102', '"2":103', 1)
        assert tampered != row.payload
        conn.execute(update(t.log).where(t.log.c.seq == row.seq).values(payload=tampered))
    report = audit.verify_local(ctx)
    assert not report.ok
    assert report.broken_seq == row.seq and "hashes to" in report.broken_reason


def test_edited_totals_are_caught(ctx):
    fill(ctx)
    with ctx.db.writer.begin() as conn:
        conn.execute(update(t.totals).where(t.totals.c.region == "31.71.01").values(valid=t.totals.c.valid + 1))
    report = audit.verify_local(ctx)
    assert [(m.region, m.field) for m in report.totals_mismatches] == [("31.71.01", "valid")]


def test_swapped_photo_bytes_are_caught(ctx):
    fill(ctx, 1)
    sha = table_rows(ctx, t.photos)[0][0]
    ctx.photos.original_path(sha).write_bytes(b"something else")
    assert audit.verify_local(ctx).photos_bad == [sha]


def test_rebuild_recreates_every_projection_row(ctx):
    fill(ctx)
    tokens_ = tokens.create_token(ctx, "op", "operator", "test")[1]
    op = tokens.authenticate(ctx, tokens_)
    first = table_rows(ctx, t.submissions)[0]
    r = Result(votes={2: 50, 3: 50}, valid=100, invalid=0, used=100, unused=514, damaged=0, dpt=598, dptb=0, dpk=0,
               voters=100)
    submissions.submit_result(ctx, op, Report(first[1], CONTEST, r, (), corrects=first[0], reason="recount"))
    live = {tb.name: table_rows(ctx, tb) for tb in t.PROJECTIONS}
    live_state = ctx.ledger.state
    audit.rebuild(ctx)
    assert {tb.name: table_rows(ctx, tb) for tb in t.PROJECTIONS} == live
    assert ctx.ledger.state.totals == live_state.totals and ctx.ledger.state.accepted == live_state.accepted


def test_export_then_verify_export(ctx, tmp_path):
    fill(ctx)
    manifest = audit.export(ctx, tmp_path / "exp")
    assert manifest["photos"] == 6
    assert audit.verify_export(tmp_path / "exp").ok
    assert (tmp_path / "exp" / "totals.csv").read_text().startswith("region,contest,")


def test_tampered_export_is_caught(ctx, tmp_path):
    fill(ctx)
    audit.export(ctx, tmp_path / "exp")
    log_file = tmp_path / "exp" / "log.jsonl"
    lines = log_file.read_text().splitlines()
    entry = json.loads(lines[-2])
    entry["payload"]["result"]["invalid"] += 1
    lines[-2] = json.dumps(entry)
    log_file.write_text("\n".join(lines) + "\n")
    report = audit.verify_export(tmp_path / "exp")
    assert report.broken_seq == entry["seq"]


def test_tampered_exported_totals_are_caught(ctx, tmp_path):
    fill(ctx)
    audit.export(ctx, tmp_path / "exp")
    f = tmp_path / "exp" / "totals.json"
    data = json.loads(f.read_text())
    data["totals"][0]["votes"]["3"] += 5
    f.write_text(json.dumps(data))
    report = audit.verify_export(tmp_path / "exp")
    assert [m.field for m in report.totals_mismatches] == ["votes"]


@pytest.fixture
def live_server(ctx):
    config = uvicorn.Config(build_app(ctx), host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(5)


def test_verify_url_against_a_running_instance(ctx, live_server):
    fill(ctx)
    report = audit.verify_url(live_server)
    assert report.ok, report
    assert report.entries == ctx.ledger.state.seq and report.totals_checked > 0
    with ctx.db.writer.begin() as conn:
        conn.execute(text("UPDATE totals SET invalid = invalid + 7 WHERE region = '31'"))
    assert [m.field for m in audit.verify_url(live_server).totals_mismatches] == ["invalid"]


def test_tps_history_survives_rebuild(ctx, client):
    fill(ctx, 2)
    before = client.get(f"/api/v1/tps/{TPS}").json()
    audit.rebuild(ctx)
    assert client.get(f"/api/v1/tps/{TPS}").json() == before
