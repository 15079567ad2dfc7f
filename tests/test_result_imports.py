"""`rekap import results`: another source's per-TPS figures, checked whole, logged as that source, idempotent."""

import csv
import random

import pytest
from conftest import CONTEST

from rekap.domain.errors import ImportRejected

COUNTS = ("valid", "invalid", "used", "unused", "damaged", "dpt", "dptb", "dpk", "voters")


def official_file(path, tps_list, seed=1, columns=("tps", "contest", "votes_2", "votes_3", *COUNTS)):
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        w.writeheader()
        for t in tps_list:
            most = t.dpt * 4 // 10
            a, b, invalid = rng.randint(0, most), rng.randint(0, most), rng.randint(0, t.dpt // 20)
            used = a + b + invalid
            w.writerow({"tps": t.code, "kelurahan_code": t.kelurahan, "tps_number": t.number, "contest": CONTEST,
                        "votes_2": a, "votes_3": b, "valid": a + b, "invalid": invalid, "used": used,
                        "unused": t.dpt - used + t.dpt * 25 // 1000, "damaged": 0, "dpt": t.dpt, "dptb": 0, "dpk": 0,
                        "voters": used})  # fmt: skip
    return path


def tps_of(rekap):
    return sorted(rekap.writer.state.tps.values())


def test_an_official_file_imported_twice_gives_one_set_of_entries(rekap, tmp_path):
    tps = tps_of(rekap)
    path = official_file(tmp_path / "kpu.csv", tps)
    first = rekap.result_imports.results(path, "kpu", "test")
    assert (first.rows, first.logged, first.unchanged) == (len(tps), len(tps), 0)
    seq = rekap.writer.state.seq
    again = rekap.result_imports.results(path, "kpu", "test")
    assert (again.logged, again.unchanged) == (0, len(tps))
    assert rekap.writer.state.seq == seq
    t = rekap.writer.state.totals[("31", CONTEST)]
    assert t.tps_reported == len(tps) and t.held == 0
    state = rekap.writer.state
    sources = {label for key in state.accepted for label in state.latest_of(key)}
    assert sources == {"import:kpu"}
    assert rekap.verify().ok


def test_a_broken_row_is_named_by_its_line_and_nothing_is_imported(rekap, tmp_path):
    path = official_file(tmp_path / "kpu.csv", tps_of(rekap))
    lines = path.read_text().splitlines()
    lines[57] = lines[57].replace(CONTEST, CONTEST, 1).rsplit(",", 1)[0] + ",12x"  # line 58: voters not a number
    path.write_text("\n".join(lines) + "\n")
    seq = rekap.writer.state.seq
    with pytest.raises(ImportRejected) as err:
        rekap.result_imports.results(path, "kpu", "test")
    assert err.value.extra["line"] == 58 and err.value.field == "voters"
    assert rekap.writer.state.seq == seq


def test_a_row_for_an_unknown_tps_or_twice_the_same_tps_is_refused(rekap, tmp_path):
    tps = tps_of(rekap)
    path = official_file(tmp_path / "twice.csv", [*tps[:5], tps[2]])
    with pytest.raises(ImportRejected, match=r"line 7: TPS .* appears twice"):
        rekap.result_imports.results(path, "kpu", "test")
    text = path.read_text().replace(tps[0].code, "31.71.01.1001-999")
    path.write_text(text)
    with pytest.raises(ImportRejected, match=r"line 2: no TPS 31\.71\.01\.1001-999"):
        rekap.result_imports.results(path, "kpu", "test")


def test_a_crowd_file_without_the_other_counts_leaves_them_unknown(rekap, tmp_path):
    tps = tps_of(rekap)[:20]
    path = official_file(tmp_path / "crowd.csv", tps, columns=("kelurahan_code", "tps_number", "contest", "votes_2",
                                                               "votes_3", "valid"))  # fmt: skip
    done = rekap.result_imports.results(path, "kawal", "test")
    assert done.logged == 20
    state = rekap.writer.state
    t = state.totals[("31", CONTEST)]
    assert (t.tps_reported, t.flagged, t.held) == (20, 0, 0)  # no capacity or sum rule tripped on counts not given
    assert (t.invalid, t.invalid_unknown, t.voters_unknown, t.valid_unknown) == (0, 20, 20, 0)
    sub = state.accepted[(tps[0].code, CONTEST)]
    assert sub.result.voters is None and sub.findings == ()
    assert rekap.verify().ok
    rekap.rebuild()
    assert rekap.verify().ok


def test_an_imported_figure_above_the_ballots_is_held(rekap, tmp_path):
    [t] = [x for x in tps_of(rekap) if x.code == "31.71.01.1001-004"]  # DPT 493
    path = tmp_path / "big.csv"
    path.write_text(f"tps,contest,votes_2,votes_3,valid\n{t.code},{CONTEST},5000200,150,5000350\n")
    assert rekap.result_imports.results(path, "kpu", "test").logged == 1
    totals = rekap.writer.state.totals[("31", CONTEST)]
    assert (totals.held, totals.tps_reported, totals.votes.get(2, 0)) == (1, 0, 0)


def test_the_cli_imports_results(rekap, tmp_path):
    from typer.testing import CliRunner

    from rekap.cli.main import app

    path = official_file(tmp_path / "kpu.csv", tps_of(rekap)[:30])
    where = ["--db", rekap.settings.database_url, "--data-dir", str(rekap.settings.data_dir)]
    rekap.close()  # the command opens its own instance
    out = CliRunner().invoke(app, [*where, "import", "results", str(path), "--source", "kpu"])
    assert out.exit_code == 0, out.output
    assert "30 rows, 30 new entries, 0 unchanged" in out.output
    bad = CliRunner().invoke(app, [*where, "import", "results", str(path), "--source", "KPU!"])
    assert bad.exit_code != 0 and "source name" in bad.output
