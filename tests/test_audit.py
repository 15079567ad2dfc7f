"""Verify catches tampering precisely; rebuild recomputes exactly what the live path wrote; exports re-verify."""

import hashlib
import json
import threading
import time

import pytest
import uvicorn
from conftest import CONTEST, EVERY_PHOTO_STORE, TPS, clean_result, put_object
from sqlalchemy import select, text, update
from test_api_photos import image_bytes

from rekap.domain import rules
from rekap.domain.result import Result
from rekap.domain.submission import Submission
from rekap.services import verify
from rekap.store import tables as t


def fill(rekap, n=6):
    token = rekap.tokens.authenticate(rekap.tokens.create("kpps", "officer", "test")[1])
    codes = sorted(c for c in rekap.writer.state.tps if c.startswith("31.71.01"))[:n]
    for i, code in enumerate(codes):
        data = image_bytes(size=(40 + i, 30))
        sha = hashlib.sha256(data).hexdigest()
        rekap.photos.put(sha, data, "image/jpeg", token.actor)
        dpt = rekap.writer.state.tps[code].dpt
        body = clean_result(dpt=dpt, votes=(100 + i, 90))
        r = Result(votes={2: body["votes"]["2"], 3: body["votes"]["3"]},
                   **{k: v for k, v in body.items() if k != "votes"})
        rekap.submissions.submit(token, Submission(code, CONTEST, r, (sha,)))
    assert rekap.photos.copies.settle(30)  # every public copy made, as a running instance makes them
    return codes


def table_rows(rekap, table):
    with rekap.db.reader.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(select(table)))


def test_verify_passes_on_an_honest_log(rekap):
    fill(rekap)
    report = rekap.verify()
    assert report.ok, report
    assert report.photos_checked == 6 and report.totals_checked > 0


def test_one_edited_byte_in_one_entry_is_caught_at_that_entry(rekap):
    fill(rekap)
    with rekap.db.writer.begin() as conn:
        row = conn.execute(select(t.log).where(t.log.c.kind == "result.submitted").order_by(t.log.c.seq)
                           .offset(2)).first()
        tampered = row.payload.replace('"2":102', '"2":103', 1)
        assert tampered != row.payload
        conn.execute(update(t.log).where(t.log.c.seq == row.seq).values(payload=tampered))
    report = rekap.verify()
    assert not report.ok
    assert report.broken_seq == row.seq and "hashes to" in report.broken_reason


def test_edited_totals_are_caught(rekap):
    fill(rekap)
    with rekap.db.writer.begin() as conn:
        conn.execute(update(t.totals).where(t.totals.c.region == "31.71.01").values(valid=t.totals.c.valid + 1))
    report = rekap.verify()
    assert [(m.region, m.field) for m in report.totals_mismatches] == [("31.71.01", "valid")]


@EVERY_PHOTO_STORE
def test_swapped_photo_bytes_are_caught(rekap):
    fill(rekap, 1)
    sha = table_rows(rekap, t.photos)[0][0]
    put_object(rekap.files, sha, b"something else")
    assert rekap.verify().photos_bad == [sha]


def test_rebuild_recreates_every_projection_row(rekap):
    fill(rekap)
    tokens_ = rekap.tokens.create("op", "operator", "test")[1]
    op = rekap.tokens.authenticate(tokens_)
    first = table_rows(rekap, t.submissions)[0]
    r = Result(votes={2: 50, 3: 50}, valid=100, invalid=0, used=100, unused=514, damaged=0, dpt=598, dptb=0, dpk=0,
               voters=100)
    rekap.submissions.submit(op, Submission(first[1], CONTEST, r, (), corrects=first[0], reason="recount"))
    live = {tb.name: table_rows(rekap, tb) for tb in t.PROJECTIONS}
    live_state = rekap.writer.state
    rekap.rebuild()
    assert {tb.name: table_rows(rekap, tb) for tb in t.PROJECTIONS} == live
    assert rekap.writer.state.totals == live_state.totals and rekap.writer.state.accepted == live_state.accepted


def test_export_then_verify_export(rekap, tmp_path):
    fill(rekap)
    manifest = rekap.export(tmp_path / "exp")
    assert manifest["photos"] == 6
    assert verify.verify_export(tmp_path / "exp").ok
    assert (tmp_path / "exp" / "totals.csv").read_text().startswith("region,contest,")


def test_tampered_export_is_caught(rekap, tmp_path):
    fill(rekap)
    rekap.export(tmp_path / "exp")
    log_file = tmp_path / "exp" / "log.jsonl"
    lines = log_file.read_text().splitlines()
    entry = json.loads(lines[-2])
    entry["payload"]["result"]["invalid"] += 1
    lines[-2] = json.dumps(entry)
    log_file.write_text("\n".join(lines) + "\n")
    report = verify.verify_export(tmp_path / "exp")
    assert report.broken_seq == entry["seq"]


def test_tampered_exported_totals_are_caught(rekap, tmp_path):
    fill(rekap)
    rekap.export(tmp_path / "exp")
    f = tmp_path / "exp" / "totals.json"
    data = json.loads(f.read_text())
    data["totals"][0]["votes"]["3"] += 5
    f.write_text(json.dumps(data))
    report = verify.verify_export(tmp_path / "exp")
    assert [m.field for m in report.totals_mismatches] == ["votes"]


def flagged_of(export_dir):
    rows = json.loads((export_dir / "totals.json").read_text())["totals"]
    return {(r["region"], r["contest"]): r["flagged"] for r in rows}


def test_an_export_made_before_a_rule_change_still_verifies(rekap, tmp_path, monkeypatch):
    fill(rekap, 3)
    volunteer = rekap.tokens.authenticate(rekap.tokens.create("relawan", "volunteer", "test")[1])
    code = sorted(rekap.writer.state.tps)[-1]
    dpt = rekap.writer.state.tps[code].dpt
    over = Result({2: dpt, 3: 5}, dpt + 5, 0, dpt + 5, 0, 0, dpt, 0, 0, dpt + 5)  # more voters than the register
    rekap.submissions.submit(volunteer, Submission(code, CONTEST, over))
    rekap.export(tmp_path / "exp")
    before = flagged_of(tmp_path / "exp")
    assert before[("31", CONTEST)] == 1

    # a new version of the rules: capacity counts DPT alone, and the sum rule is dropped (ends with this version)
    now = rules.RULES_VERSION
    changed = []
    for r in rules.RULES:
        if r.id in ("C1-CAPACITY", "C1-SUM"):
            r = rules.Rule(r.id, r.description, r.field, r.op, r.terms, r.severity, r.since, until=now)
        changed.append(r)
    changed.append(rules.Rule("C1-CAPACITY", "voters ≤ DPT", "voters", "<=", ("dpt",), since=now + 1))
    monkeypatch.setattr(rules, "RULES", tuple(changed))
    monkeypatch.setattr(rules, "RULES_VERSION", now + 1)

    report = verify.verify_export(tmp_path / "exp")
    assert report.ok, report
    assert report.findings_mismatches == [] and report.rules_unknown == set()
    rekap.rebuild()  # the fold uses what each entry recorded, not today's rules
    rekap.export(tmp_path / "again")
    assert flagged_of(tmp_path / "again") == before


def test_findings_that_do_not_follow_the_rules_of_their_version_are_caught(rekap, tmp_path):
    fill(rekap, 2)
    rekap.export(tmp_path / "exp")
    log_file = tmp_path / "exp" / "log.jsonl"
    lines = log_file.read_text().splitlines()
    entry = json.loads(lines[-1])
    assert entry["kind"] == "result.submitted" and entry["payload"]["findings"] == []
    # a writer that records a finding the rules do not make, and seals the entry properly
    entry["payload"]["findings"] = [{"rule": "C1-SUM", "field": "valid", "expected": 1, "got": 2, "severity": "error"}]
    from rekap.domain.log import entry_hash

    entry["hash"] = entry_hash(entry["seq"], entry["prev_hash"], entry["kind"], entry["payload"], entry["actor"],
                               entry["at"])  # fmt: skip
    lines[-1] = json.dumps(entry)
    log_file.write_text("\n".join(lines) + "\n")
    report = verify.verify_export(tmp_path / "exp")
    assert report.findings_mismatches == [entry["seq"]] and not report.ok


@pytest.fixture
def live_server(rekap):
    config = uvicorn.Config(rekap.web_app(), host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(5)


def test_verify_url_against_a_running_instance(rekap, live_server):
    fill(rekap)
    report = verify.verify_url(live_server)
    assert report.ok, report
    assert report.entries == rekap.writer.state.seq and report.totals_checked > 0
    with rekap.db.writer.begin() as conn:
        conn.execute(text("UPDATE totals SET invalid = invalid + 7 WHERE region = '31'"))
    assert [m.field for m in verify.verify_url(live_server).totals_mismatches] == ["invalid"]


def test_tps_history_survives_rebuild(rekap, client):
    fill(rekap, 2)
    before = client.get(f"/api/v1/tps/{TPS}").json()
    rekap.rebuild()
    assert client.get(f"/api/v1/tps/{TPS}").json() == before
