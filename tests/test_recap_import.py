"""`rekap import recap FILE`: bad rows named by line and nothing logged, a re-import changes nothing."""

import csv

from conftest import CONTEST, small_tps_file
from typer.testing import CliRunner

from rekap.bootstrap import Rekap
from rekap.cli.main import app
from rekap.demo.simulate import DATA
from rekap.settings import Settings

runner = CliRunner()
HEADER = ["region", "contest", "votes_2", "votes_3", "valid", "invalid", "used", "unused", "damaged", "dpt", "dptb",
          "dpk", "voters"]  # fmt: skip


def write(path, rows):
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        w.writerows(rows)
    return path


def row(region, a=100, b=90, invalid=4):
    used = a + b + invalid
    return [region, CONTEST, a, b, a + b, invalid, used, 0, 0, 2297, 0, 0, used]


def test_import_recap_is_all_or_nothing_and_idempotent(db_url, tmp_path):
    def run(*args):
        return runner.invoke(app, ["--db", db_url, "--data-dir", str(tmp_path / "data"), *args])

    assert run("import", "regions", str(DATA / "wilayah_dki.csv")).exit_code == 0
    run("import", "tps", str(small_tps_file(tmp_path)))
    run("import", "election", str(DATA / "pilkada_dki2017_r2.toml"))
    bad = write(tmp_path / "bad.csv", [row("31.71.01.1001"), row("31.71.01.1002"), [*row("31.71.01.1003")[:2], "x"]])
    out = run("import", "recap", str(bad))
    assert out.exit_code == 2 and "line 4" in out.output
    unknown = write(tmp_path / "unknown.csv", [row("31.71.01.1001"), row("31.99.99.9999")])
    out = run("import", "recap", str(unknown))
    assert out.exit_code == 2 and "line 3" in out.output and "unknown-region" not in out.output
    good = write(tmp_path / "good.csv", [row("31.71.01.1001"), row("31.71.01", 400, 380, 10)])
    out = run("import", "recap", str(good))
    assert out.exit_code == 0 and "2 recap(s)" in out.output
    assert "0 recap(s)" in run("import", "recap", str(good)).output
    changed = write(tmp_path / "changed.csv", [row("31.71.01.1001", 101), row("31.71.01", 400, 380, 10)])
    assert "1 recap(s)" in run("import", "recap", str(changed)).output
    rekap = Rekap.open(Settings(data_dir=tmp_path / "data", database_url=db_url), create=False)
    try:
        recaps = rekap.writer.state.recaps
        assert {k[0] for k in recaps} == {"31.71.01.1001", "31.71.01"}
        kel = recaps[("31.71.01.1001", CONTEST)]
        assert kel.result.votes[2] == 101 and kel.source == "import" and kel.reason == "imported from changed.csv"
        assert len(kel.entries) == 2
        assert rekap.verify().ok
    finally:
        rekap.close()
