"""Imports: the whole of Indonesia in seconds; any bad row is named by line and nothing is imported."""

import time
from pathlib import Path

import pytest

from rekap.demo.simulate import DATA
from rekap.domain.errors import ImportRejected

WILAYAH = Path(__file__).resolve().parents[2] / "shared" / "data" / "wilayah" / "wilayah.csv"


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def head_seq(rekap):
    return rekap.writer.state.seq


@pytest.mark.skipif(not WILAYAH.exists(), reason="needs ../shared/data beside the repository")
def test_all_of_indonesia_imports_in_seconds(empty):
    started = time.perf_counter()
    empty.imports.regions(WILAYAH, "test")
    elapsed = time.perf_counter() - started
    regions = empty.writer.state.regions
    assert len(regions) == 91_599 + 1
    assert sum(1 for r in regions.values() if r.level == 4) == 83_762
    assert elapsed < 30, elapsed  # "in seconds": generous for a loaded CI machine


@pytest.mark.parametrize(("text", "field", "line"), [
    ("code,name,level,parent_code\n31,DKI,1,\n31.71,Jakpus,3,31\n", "level", 3),
    ("code,name,level,parent_code\n31,DKI,1,\n31.71.01,Gambir,3,31.71\n", "parent_code", 3),
    ("code,name,level,parent_code\n31,DKI,1,\n31,DKI lagi,1,\n", "code", 3),
    ("code,name,level,parent_code\n3x,DKI,1,\n", "code", 2),
    ("code,name,level,parent_code\n31,,1,\n", "name", 2),
])
def test_bad_region_rows_are_named_and_nothing_imported(empty, tmp_path, text, field, line):
    with pytest.raises(ImportRejected) as err:
        empty.imports.regions(write(tmp_path, "r.csv", text), "test")
    assert err.value.field == field and err.value.extra["line"] == line
    assert head_seq(empty) == 0


def test_missing_columns_and_empty_files_are_refused(empty, tmp_path):
    with pytest.raises(ImportRejected, match="missing column"):
        empty.imports.regions(write(tmp_path, "a.csv", "code,name\n31,DKI\n"), "test")
    with pytest.raises(ImportRejected, match="no data rows"):
        empty.imports.regions(write(tmp_path, "b.csv", "code,name,level,parent_code\n"), "test")
    with pytest.raises(ImportRejected, match="cannot read"):
        empty.imports.regions(tmp_path / "nope.csv", "test")


@pytest.mark.parametrize(("row", "field"), [
    ("31.71.01.9999,1,300", "kelurahan_code"),
    ("31.71.01,1,300", "kelurahan_code"),
    ("31.71.01.1001,0,300", "tps_number"),
    ("31.71.01.1001,1,-3", "dpt_total"),
    ("31.71.01.1001,1,3.5", "dpt_total"),
    ("31.71.01.1001,x,300", "tps_number"),
])
def test_bad_tps_rows_are_refused(empty, tmp_path, row, field):
    empty.imports.regions(DATA / "wilayah_dki.csv", "test")
    before = head_seq(empty)
    text = f"kelurahan_code,tps_number,dpt_total\n31.71.01.1001,2,200\n{row}\n"
    with pytest.raises(ImportRejected) as err:
        empty.imports.tps(write(tmp_path, "t.csv", text), "test")
    assert err.value.field == field and err.value.extra["line"] == 3
    assert head_seq(empty) == before


def test_tps_sex_split_must_add_up(empty, tmp_path):
    empty.imports.regions(DATA / "wilayah_dki.csv", "test")
    text = "kelurahan_code,tps_number,dpt_male,dpt_female,dpt_total\n31.71.01.1001,1,100,100,201\n"
    with pytest.raises(ImportRejected, match="dpt_male"):
        empty.imports.tps(write(tmp_path, "t.csv", text), "test")


def test_tps_with_address_and_coordinates(empty, tmp_path):
    empty.imports.regions(DATA / "wilayah_dki.csv", "test")
    text = ("kelurahan_code,tps_number,dpt,address,latitude,longitude\n"
            "31.71.01.1001,7,250,\"Jl. Medan Merdeka, Gambir\",-6.175392,106.827153\n")
    empty.imports.tps(write(tmp_path, "t.csv", text), "test")
    tps = empty.writer.state.tps["31.71.01.1001-007"]
    assert (tps.address, tps.lat_e6, tps.lon_e6, tps.dpt) == ("Jl. Medan Merdeka, Gambir", -6175392, 106827153, 250)


def test_reimport_updates_dpt_totals(rekap, tmp_path):
    before = rekap.writer.state.totals[("31", "gubernur-dki-2017-r2")].dpt_total
    text = "kelurahan_code,tps_number,dpt_total\n31.71.01.1001,1,600\n"
    rekap.imports.tps(write(tmp_path, "t.csv", text), "test")
    t = rekap.writer.state.totals[("31", "gubernur-dki-2017-r2")]
    assert t.dpt_total == before + 2 and t.tps_total == len(rekap.writer.state.tps)


@pytest.mark.parametrize(("toml", "match"), [
    ('[election]\nid="e"\nname="E"\ndate="2024-02-14"\n[[contests]]\nid="c"\nname="C"\nscope="99"\n'
     '[[contests.candidates]]\nnumber=1\nnames=["A"]\n', "scope 99"),
    ('[election]\nid="e"\nname="E"\ndate="2024-02-14"\n[[contests]]\nid="c"\nname="C"\nscope="31"\n'
     '[[contests.candidates]]\nnumber=1\nnames=["A"]\n[[contests.candidates]]\nnumber=1\nnames=["B"]\n', "unique"),
    ('[election]\nid="e"\nname="E"\ndate="14-02-2024"\n', "date"),
    ("not toml at all [", "cannot read"),
])
def test_bad_election_files_are_refused(rekap, tmp_path, toml, match):
    before = head_seq(rekap)
    with pytest.raises(ImportRejected, match=match):
        rekap.imports.election(write(tmp_path, "e.toml", toml), "test")
    assert head_seq(rekap) == before


def test_president_contest_counts_every_tps(rekap, tmp_path):
    toml = ('[election]\nid="pemilu-2024"\nname="Pemilu 2024"\ndate="2024-02-14"\n[[contests]]\nid="presiden-2024"\n'
            'name="Presiden"\nscope="ID"\n[[contests.candidates]]\nnumber=1\nnames=["A","B"]\n'
            '[[contests.candidates]]\nnumber=2\nnames=["C","D"]\n')
    rekap.imports.election(write(tmp_path, "p.json.toml", toml), "test")
    totals = rekap.writer.state.totals
    assert totals[("ID", "presiden-2024")].tps_total == len(rekap.writer.state.tps)
    in_jakpus = sum(1 for c in rekap.writer.state.tps if c.startswith("31.71"))
    assert totals[("31.71", "presiden-2024")].tps_total == in_jakpus
