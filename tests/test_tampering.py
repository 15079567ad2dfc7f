"""The tampering cases of an outside probe (issue 18), each made by someone with write access to the database
or the photo directory, each caught by `rekap verify` (and its exit code), none passing as an honest log."""

import json

import pytest
from conftest import CONTEST, delete_object, put_object
from sqlalchemy import delete, insert, select, update
from test_audit import fill, table_rows
from typer.testing import CliRunner

from rekap.cli.main import app as cli
from rekap.domain.log import canonical, entry_hash
from rekap.domain.recap import Operator, RecapFigures
from rekap.domain.result import Result
from rekap.services.checkpoints import Checkpoint
from rekap.services.snapshots import DirectorySink
from rekap.store import log_table
from rekap.store import tables as t


@pytest.fixture
def filled(rekap, tmp_path):
    rekap.signer.ensure()
    fill(rekap)
    rekap.publisher.publish(DirectorySink(tmp_path / "site"))  # signs and keeps a checkpoint of the head
    assert rekap.verify().ok
    return rekap


def edit(rekap, statement):
    with rekap.db.writer.begin() as conn:
        conn.execute(statement)


def last_result_seq(rekap):
    with rekap.db.reader.connect() as conn:
        return conn.execute(select(t.submissions.c.seq).order_by(t.submissions.c.seq.desc())).scalar()


def rehash_from(rekap, seq, change):
    """Rewrite entry `seq` with `change(payload)` and every later entry's hashes: a chain that holds."""
    with rekap.db.writer.begin() as conn:
        rows = conn.execute(select(t.log).where(t.log.c.seq >= seq).order_by(t.log.c.seq)).all()
        prev = rows[0].prev_hash
        for r in rows:
            payload = json.loads(r.payload)
            if r.seq == seq:
                change(payload)
            h = entry_hash(r.seq, prev, r.kind, payload, r.actor, r.at)
            conn.execute(update(t.log).where(t.log.c.seq == r.seq).values(payload=canonical(payload).decode(), hash=h,
                                                                        prev_hash=prev))  # fmt: skip
            prev = h
        log_table.set_head(conn, rows[-1].seq, prev)


def edit_payload(rekap, seq, change):
    with rekap.db.writer.begin() as conn:
        payload = json.loads(conn.execute(select(t.log.c.payload).where(t.log.c.seq == seq)).scalar_one())
        change(payload)
        conn.execute(update(t.log).where(t.log.c.seq == seq).values(payload=canonical(payload).decode()))


def cut_last(rekap, n):
    with rekap.db.writer.begin() as conn:
        head, _ = log_table.head(conn)
        conn.execute(delete(t.log).where(t.log.c.seq > head - n))
        log_table.set_head(conn, head - n, log_table.hash_of(conn, head - n))


def first_photo(rekap):
    return table_rows(rekap, t.photos)[0][0]


def swap_copy(rekap):
    other = rekap.files.read_public(table_rows(rekap, t.photos)[1][0], "view")
    put_object(rekap.files, first_photo(rekap), other, "view")


PHOTO_CASES = {
    "photo original swapped": lambda r: put_object(r.files, first_photo(r), b"other bytes"),
    "photo original deleted": lambda r: delete_object(r.files, first_photo(r)),
    "public photo copy swapped": swap_copy,
    "public photo copy deleted": lambda r: delete_object(r.files, first_photo(r), "thumb"),
}


def votes_plus_one(payload):
    payload["result"]["votes"]["2"] += 1


CASES = {
    "log payload edited": lambda r: edit_payload(r, last_result_seq(r), votes_plus_one),
    "log entry deleted mid-log": lambda r: edit(r, delete(t.log).where(t.log.c.seq == last_result_seq(r) - 2)),
    "log hash edited": lambda r: edit(r, update(t.log).where(t.log.c.seq == 3).values(hash="f" * 64)),
    "log head moved back": lambda r: edit(r, update(t.log_head).values(seq=t.log_head.c.seq - 1)),
    "totals edited": lambda r: edit(r, update(t.totals).where(t.totals.c.region == "31").values(
        valid=t.totals.c.valid + 1000)),
    "totals row deleted": lambda r: edit(r, delete(t.totals).where(t.totals.c.region == "31.71.01")),
    "accepted edited": lambda r: edit(r, update(t.accepted).values(valid=t.accepted.c.valid + 1)),
    "accepted deleted": lambda r: edit(r, delete(t.accepted).where(t.accepted.c.seq == last_result_seq(r))),
    "submission edited": lambda r: edit(r, update(t.submissions).where(t.submissions.c.seq == last_result_seq(r))
                                        .values(source_kind="operator")),
    "submission deleted": lambda r: edit(r, delete(t.submissions).where(t.submissions.c.seq == last_result_seq(r))),
    "tps register edited": lambda r: edit(r, update(t.tps).where(t.tps.c.code.like("31.71.01%")).values(dpt=9999)),
    "token made admin": lambda r: edit(r, update(t.tokens).values(role="admin", scope="ID")),
    "token added beside the log": lambda r: edit(r, insert(t.tokens).values(
        id="f00d", name="x", role="admin", scope="ID", token_hash="0" * 64, created_at="2024-01-01T00:00:00Z")),
    **PHOTO_CASES,
    "last entries cut, head reset, rebuilt": lambda r: (cut_last(r, 3), r.rebuild()),
    "history re-hashed from mid-log, rebuilt": lambda r: (rehash_from(r, last_result_seq(r) - 2, votes_plus_one),
                                                         r.rebuild()),
    "region renamed": lambda r: edit(r, update(t.regions).where(t.regions.c.code == "31.71").values(name="X")),
}


def verify_command(settings):
    return CliRunner().invoke(cli, ["--db", settings.database_url, "--data-dir", str(settings.data_dir), "verify"])


@pytest.mark.parametrize("case", CASES)
def test_verify_catches(filled, case, settings):
    CASES[case](filled)
    report = filled.verify()
    assert not report.ok, report
    result = verify_command(settings)
    assert result.exit_code == 1, result.output
    assert "FAILED" in result.output


@pytest.mark.parametrize("photo_store", ["bucket"], indirect=True)
@pytest.mark.parametrize("case", PHOTO_CASES)
def test_verify_catches_in_a_bucket(filled, case, settings, monkeypatch):
    monkeypatch.setenv("REKAP_PHOTO_STORE", settings.photo_store)
    monkeypatch.setenv("REKAP_S3_ENDPOINT_URL", settings.s3_endpoint_url)
    assert verify_command(settings).exit_code == 0  # the command reads the same bucket
    PHOTO_CASES[case](filled)
    assert not filled.verify().ok
    result = verify_command(settings)
    assert result.exit_code == 1 and "FAILED" in result.output, result.output


def test_a_rehashed_log_passes_every_check_but_the_checkpoint(filled):
    rehash_from(filled, last_result_seq(filled) - 2, votes_plus_one)
    filled.rebuild()
    report = filled.verify()
    assert report.broken_seq is None and not report.table_mismatches and not report.totals_mismatches
    assert "hash" in report.checkpoint_note


def test_a_forged_checkpoint_is_not_trusted(filled, tmp_path):
    honest = Checkpoint.from_json(filled.public_log.checkpoint())
    forged = Checkpoint(honest.seq, "0" * 64, honest.at, honest.public_key, honest.signature)
    assert honest.signed_correctly(filled.signer.public_key)
    assert not forged.signed_correctly()
    report = filled.verify(checkpoint=forged)
    assert "not validly signed" in report.checkpoint_note


def test_the_site_shows_a_signed_checkpoint_of_its_head(filled, client):
    page = client.get("/")
    assert "/api/v1/log/checkpoint" in page.text
    cp = Checkpoint.from_json(client.get("/api/v1/log/checkpoint").content)
    head = client.get("/api/v1/log/head").json()
    assert (cp.seq, cp.hash) == (head["seq"], head["hash"]) and cp.signed_correctly(filled.signer.public_key)


def test_a_checkpoint_published_with_the_snapshots_verifies_an_export(filled, tmp_path):
    pointer = json.loads((tmp_path / "site" / "current.json").read_text())
    cp = Checkpoint.from_json((tmp_path / "site" / pointer["checkpoint"]).read_bytes())
    filled.export(tmp_path / "exp")
    from rekap.services import verify

    assert verify.verify_export(tmp_path / "exp", checkpoint=cp).ok
    lines = (tmp_path / "exp" / "log.jsonl").read_text().splitlines()
    (tmp_path / "exp" / "log.jsonl").write_text("\n".join(lines[:-2]) + "\n")  # a mirror that lost its tail
    assert "now ends at" in verify.verify_export(tmp_path / "exp", checkpoint=cp).checkpoint_note


RECAP_REGION = "31.71.01.1001"  # Gambir: its plenary announced 5 more votes for pair 2 than its TPS add up to


@pytest.fixture
def recapped(rekap, tmp_path):
    """An honest log with a kelurahan recap entered with its D-form photo and signed off with an explanation."""
    rekap.signer.ensure()
    fill(rekap)
    t = rekap.read_model.totals(RECAP_REGION, CONTEST)
    valid, used = t.valid + 5, t.valid + 5 + t.invalid
    announced = Result({**t.votes, 2: t.votes[2] + 5}, valid, t.invalid, used, 0, 0, t.dpt_total, 0, 0, used)
    pps = Operator("token:pps", "operator", RECAP_REGION)
    rekap.recaps.enter(pps, RecapFigures(RECAP_REGION, CONTEST, announced, (first_photo(rekap),)))
    rekap.recaps.sign_off(pps, RECAP_REGION, CONTEST, "TPS 004's box recounted at the plenary")
    rekap.publisher.publish(DirectorySink(tmp_path / "site"))
    assert rekap.verify().ok
    return rekap


def recap_seq(rekap, kind):
    with rekap.db.reader.connect() as conn:
        return conn.execute(select(t.log.c.seq).where(t.log.c.kind == kind)).scalar_one()


def five_more(payload):
    """The same forgery again, consistent on the form: the rules find nothing wrong with it."""
    for field in ("valid", "used", "voters"):
        payload["result"][field] += 1
    payload["result"]["votes"]["2"] += 1


FORGED_FINDING = {"rule": "C1-SUM", "field": "valid", "expected": 1, "got": 2, "severity": "error"}
RECAP_CASES = {
    "recap row edited": (lambda r: edit(r, update(t.recaps).values(status="entered", signed_seq=0)), "table recaps"),
    "recap figures re-hashed, rebuilt": (
        lambda r: (rehash_from(r, recap_seq(r, "recap.entered"), five_more), r.rebuild()),
        f"recap of {RECAP_REGION}",
    ),
    "recap findings re-hashed, rebuilt": (
        lambda r: (rehash_from(r, recap_seq(r, "recap.entered"), lambda p: p.update(findings=[FORGED_FINDING])),
                   r.rebuild()),
        f"recap of {RECAP_REGION}",
    ),
    "sign-off differences re-hashed, rebuilt": (
        lambda r: (rehash_from(r, recap_seq(r, "recap.signed_off"), lambda p: p.update(differences=[])), r.rebuild()),
        f"recap of {RECAP_REGION}",
    ),
}


@pytest.mark.parametrize("case", RECAP_CASES)
def test_verify_catches_a_forged_recap_and_names_it(recapped, case, settings):
    forge, named = RECAP_CASES[case]
    forge(recapped)
    assert not recapped.verify().ok
    result = CliRunner().invoke(cli, ["--db", settings.database_url, "--data-dir", str(settings.data_dir), "verify"])
    assert result.exit_code == 1 and "FAILED" in result.output
    assert named in " ".join(result.output.split()), result.output
