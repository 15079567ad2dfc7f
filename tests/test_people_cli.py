"""`rekap people …` end to end: import officers from CSV with their codes written once, bad rows named, listing,
deactivation; the log still verifies."""

from __future__ import annotations

import csv
from pathlib import Path

from conftest import TPS, small_tps_file
from typer.testing import CliRunner

from rekap.cli.main import app
from rekap.demo.simulate import DATA

runner = CliRunner()


def test_people_from_the_command_line(db_url: str, tmp_path: Path) -> None:
    def run(*args: str, ok: bool = True) -> str:
        result = runner.invoke(app, ["--db", db_url, "--data-dir", str(tmp_path / "data"), *args])
        assert (result.exit_code == 0) == ok, result.output
        return result.output

    run("init")
    run("import", "regions", str(DATA / "wilayah_dki.csv"))
    run("import", "tps", str(small_tps_file(tmp_path)))
    bad = tmp_path / "bad.csv"
    bad.write_text(f"name,phone,tps,role\nAni,0812345678,{TPS},officer\nJoko,12,{TPS},officer\n", encoding="utf-8")
    out = run("people", "import", str(bad), ok=False)
    assert "line 3" in out and "import-rejected" in out
    good = tmp_path / "good.csv"
    good.write_text(f"name,phone,tps,role\nAni,0812345678,{TPS},officer\n", encoding="utf-8")
    codes = tmp_path / "codes.csv"
    assert "imported 1 people" in run("people", "import", str(good), "--out", str(codes))
    (row,) = list(csv.DictReader(codes.open(encoding="utf-8")))
    assert row["tps"] == TPS and row["url"].endswith(f"/activate?code={row['code']}")
    assert "Ani" in run("people", "list", "--scope", "31.71")
    assert "deactivated" in run("people", "deactivate", row["user"])
    assert "OK" in run("verify")
