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
