"""The CLI end to end on a real database: init, imports, tokens, streams, verify, rebuild, export."""

import pytest
from conftest import small_tps_file
from sqlalchemy import update
from typer.testing import CliRunner

from rekap.bootstrap import Rekap
from rekap.cli.main import app
from rekap.demo.simulate import DATA
from rekap.settings import Settings
from rekap.store import tables as t

runner = CliRunner()


@pytest.fixture
def rekap(db_url, tmp_path):
    def run(*args, ok=True):
        result = runner.invoke(app, ["--db", db_url, "--data-dir", str(tmp_path / "data"), *args])
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return run


def test_a_full_session(rekap, tmp_path, db_url):
    assert "database ready" in rekap("init").output
    assert "imported wilayah_dki.csv" in rekap("import", "regions", str(DATA / "wilayah_dki.csv")).output
    rekap("import", "tps", str(small_tps_file(tmp_path)))
    assert "1 contest" in rekap("import", "election", str(DATA / "pilkada_dki2017_r2.toml")).output
    out = rekap("token", "create", "--name", "KPPS 001", "--role", "officer").stdout
    assert out.strip().splitlines()[-1].startswith("rk_")
    assert "KPPS 001" in rekap("token", "list").output
    rekap("stream", "set", "31.71.01", "https://example.org/pleno-gambir")
    assert "OK" in rekap("verify").output
    assert "rebuilt from" in rekap("rebuild").output
    in_parts = rekap("rebuild", "--parts", "2").output
    assert "rebuilt from" in in_parts and ("folded in 2 parts" in in_parts) == db_url.startswith("postgresql")
    assert "OK" in rekap("verify").output
    assert "exported" in rekap("export", str(tmp_path / "exp")).output
    assert "OK" in rekap("verify", "--export", str(tmp_path / "exp")).output


def test_bad_input_exits_non_zero_with_a_message(rekap, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,level,parent_code\n31,DKI,2,\n")
    result = rekap("import", "regions", str(bad), ok=False)
    assert result.exit_code == 2 and "import-rejected" in result.output and "line 2" in result.output
    result = rekap("token", "create", "--name", "x", "--role", "emperor", ok=False)
    assert result.exit_code == 2 and "role must be one of" in result.output
    result = rekap("stream", "set", "31", "http://insecure.example", ok=False)
    assert result.exit_code == 2


def test_verify_fails_loudly_on_tampering(rekap, db_url, tmp_path):
    rekap("import", "regions", str(DATA / "wilayah_dki.csv"))
    instance = Rekap.open(Settings(data_dir=tmp_path / "data", database_url=db_url), create=False)
    with instance.db.writer.begin() as conn:
        conn.execute(update(t.log).where(t.log.c.seq == 1).values(actor="someone-else"))
    instance.close()
    result = rekap("verify", ok=False)
    assert result.exit_code == 1 and "chain broken at seq 1" in result.output


def test_verify_of_a_missing_export_is_an_error(rekap, tmp_path):
    result = rekap("verify", "--export", str(tmp_path / "nothing"), ok=False)
    assert result.exit_code == 2 and "log.jsonl" in result.output


def test_several_workers_on_sqlite_are_refused_before_serving(rekap, db_url):
    if not db_url.startswith("sqlite"):
        pytest.skip("the refusal is SQLite's")
    for args in (("--workers", "2"), ("--ingest-port", "8123")):
        out = rekap("serve", *args, ok=False)
        assert out.exit_code == 2 and "need PostgreSQL" in out.output and "serving" not in out.output
