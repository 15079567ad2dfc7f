"""The national generator: real region codes, a register of the right size, lawful C1s, the same bytes per seed."""

import csv
import json
import random
from collections import Counter

import pytest
from typer.testing import CliRunner

from rekap.cli.main import app as cli
from rekap.domain.errors import InvalidInput
from rekap.domain.rules import TpsFacts, check
from rekap.gen import national
from rekap.gen.register import MAX_DPT, NATIONAL_DPT, NATIONAL_TPS, draw_register, split_largest_remainder
from rekap.gen.wilayah import read_wilayah
from rekap.web.schemas import SubmissionIn

SCALE = 0.001  # 823 TPS in 83 kelurahan


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("national")
    return out, national.generate_national(out, SCALE, seed=7)


def no_floats(text):
    return json.loads(text, parse_float=lambda s: pytest.fail(f"float {s} in generated data"))


def test_same_seed_gives_the_same_bytes(generated, tmp_path):
    out, manifest = generated
    again = national.generate_national(tmp_path, SCALE, seed=7)
    for name in (national.REGIONS_FILE, national.TPS_FILE, national.ELECTION_FILE, national.RESULTS_FILE):
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name
    assert again == manifest
    other = national.generate_national(tmp_path / "other", SCALE, seed=8)
    assert other.sha256[national.RESULTS_FILE] != manifest.sha256[national.RESULTS_FILE]


def test_register_has_the_scaled_size_and_bounds(generated):
    out, m = generated
    rows = list(csv.DictReader((out / national.TPS_FILE).open()))
    dpts = [int(r["dpt_total"]) for r in rows]
    assert len(rows) == m.tps == NATIONAL_TPS * 1000 // 1_000_000
    assert sum(dpts) == m.dpt == NATIONAL_DPT * 1000 // 1_000_000
    assert min(dpts) >= 1 and max(dpts) <= MAX_DPT and 230 <= sum(dpts) // len(dpts) <= 260
    assert all(int(r["dpt_male"]) + int(r["dpt_female"]) == int(r["dpt_total"]) for r in rows)
    numbers = Counter(r["kelurahan_code"] for r in rows)
    assert len(numbers) == m.kelurahan and all(n >= 1 for n in numbers.values())


def test_regions_are_real_codes_with_every_ancestor(generated):
    out, m = generated
    real = {r.code: r for r in read_wilayah()}
    rows = list(csv.DictReader((out / national.REGIONS_FILE).open()))
    codes = {r["code"] for r in rows}
    assert len(rows) == m.regions and codes <= real.keys()
    assert all(r["parent_code"] in codes for r in rows if r["parent_code"])
    kelurahan = {r["kelurahan_code"] for r in csv.DictReader((out / national.TPS_FILE).open())}
    assert kelurahan <= codes


def test_every_tps_reports_once_with_lawful_int_arithmetic(generated):
    out, m = generated
    dpt = {f"{r['kelurahan_code']}-{int(r['tps_number']):03d}": int(r["dpt_total"])
           for r in csv.DictReader((out / national.TPS_FILE).open())}
    bodies = [no_floats(line) for line in (out / national.RESULTS_FILE).open()]
    assert sorted(b["tps"] for b in bodies) == sorted(dpt)
    for b in bodies:
        result = SubmissionIn.model_validate(b).result.to_domain()
        assert check(result, TpsFacts(dpt=result.dpt)) == (), b
        assert result.dpt == dpt[b["tps"]] and result.unused >= 0
    assert sum(b["result"]["voters"] for b in bodies) == m.voters
    assert {n: sum(b["result"]["votes"][n] for b in bodies) for n in ("1", "2", "3")} == m.votes


def test_results_vary_by_region_and_arrive_east_first(generated):
    out, _ = generated
    bodies = [json.loads(line) for line in (out / national.RESULTS_FILE).open()]
    share = {}
    for b in bodies:
        votes = b["result"]["votes"]
        p = share.setdefault(b["tps"][:2], [0, 0])
        p[0], p[1] = p[0] + votes["2"], p[1] + b["result"]["valid"]
    per_mille = [v * 1000 // t for v, t in share.values() if t > 5000]
    assert max(per_mille) - min(per_mille) > 100  # provinces differ, as they do
    first_tenth = bodies[: len(bodies) // 10]
    east = sum(b["tps"][0] in "89" for b in first_tenth) / len(first_tenth)
    assert east > sum(b["tps"][0] in "89" for b in bodies) / len(bodies)


def test_generated_files_import_and_submit_cleanly(generated, empty):
    out, m = generated
    empty.imports.regions(out / national.REGIONS_FILE, "test")
    empty.imports.tps(out / national.TPS_FILE, "test")
    empty.imports.election(out / national.ELECTION_FILE, "test")
    token = empty.tokens.create("KPPS", "officer", "test")[0]
    for line in list((out / national.RESULTS_FILE).open())[:20]:
        receipt = empty.submissions.submit(token, SubmissionIn.model_validate_json(line).to_domain())
        assert receipt.accepted and receipt.findings == ()
    nation = empty.writer.state.totals[("ID", m.contest)]
    assert (nation.tps_total, nation.dpt_total, nation.tps_reported) == (m.tps, m.dpt, 20)


def test_gen_command_writes_the_files(tmp_path):
    result = CliRunner().invoke(cli, ["gen", "national", "--scale", "0.0002", "--seed", "3", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert national.read_manifest(tmp_path).tps == NATIONAL_TPS * 200 // 1_000_000
    assert CliRunner().invoke(cli, ["gen", "national", "--scale", "2", "--out", str(tmp_path)]).exit_code == 2


def test_scale_outside_zero_to_one_is_refused(tmp_path):
    with pytest.raises(InvalidInput):
        national.generate_national(tmp_path, 0.0)


def test_largest_remainder_adds_up_exactly():
    rng = random.Random(1)
    for _ in range(200):
        weights = [rng.randint(1, 10_000) for _ in range(rng.randint(1, 30))]
        total = rng.randint(0, 10**7)
        parts = split_largest_remainder(total, weights)
        assert sum(parts) == total and all(p >= total * w // sum(weights) for p, w in zip(parts, weights, strict=True))


@pytest.mark.slow
def test_full_scale_register_is_indonesia_sized():
    kelurahan = [r.code for r in read_wilayah() if r.level == 4]
    rows = draw_register(random.Random("1:register"), kelurahan, 1_000_000)
    assert len(kelurahan) == 83_762 and len(rows) == NATIONAL_TPS == 823_236
    assert sum(r.dpt for r in rows) == NATIONAL_DPT and max(r.dpt for r in rows) <= MAX_DPT
    assert len({r.kelurahan for r in rows}) == len(kelurahan)
