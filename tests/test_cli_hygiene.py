"""The command line under an operator's eyes: no secrets printed, full ids, honest help."""

import pytest
from typer.testing import CliRunner

from rekap.cli.main import app

runner = CliRunner()


@pytest.fixture
def pg_with_password(db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("a password is part of a PostgreSQL URL")
    return db_url.replace("postgres@", "postgres:s3cr3t-pw@")  # trust auth on the test server ignores it


def test_init_does_not_print_the_database_password(pg_with_password, tmp_path):
    result = runner.invoke(app, ["--db", pg_with_password, "--data-dir", str(tmp_path / "d"), "init"])
    assert result.exit_code == 0, result.output
    assert "s3cr3t-pw" not in result.output
    assert "***" in result.output


@pytest.fixture
def run(rekap, settings):
    def invoke(*args):
        return runner.invoke(app, ["--db", settings.database_url, "--data-dir", str(settings.data_dir), *args])

    return invoke


def test_import_election_help_names_its_tables(run):
    out = run("import", "election", "--help").output
    assert "election table" in out and "contests table" in out and "[]" not in out


def test_token_list_shows_ids_whole_on_a_narrow_terminal(rekap, settings):
    info, _ = rekap.tokens.create("a very long name of an officer at TPS 001 Gambir", "officer", "test")
    result = runner.invoke(app, ["--db", settings.database_url, "--data-dir", str(settings.data_dir), "token",
                                 "list"], env={"COLUMNS": "60"})  # fmt: skip
    assert info.id in result.output


def test_a_witness_for_a_pair_that_does_not_stand_is_refused(run):
    result = run("token", "create", "--name", "saksi", "--role", "witness", "--candidate", "9")
    assert result.exit_code == 2 and "9" in result.output


def test_export_progress_reaches_the_end(rekap, tmp_path):
    seen = []
    rekap.export(tmp_path / "out", lambda done, total: seen.append((done, total)))
    head = rekap.writer.state.seq
    assert seen[-1] == (head, head)
