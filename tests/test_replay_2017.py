"""A replay of Pilkada DKI 2017's second round through `rekap import results`: KPU's official votes of each
kab/kota spread over its real TPS (in proportion to their DPT, the only per-TPS figure published) reproduce the
published totals at every tier above, and no real TPS is held or flagged by the bounds."""

import csv

import pytest
from conftest import CONTEST

from rekap.demo.simulate import DATA, official_shares


def spread(total: int, weights: list[int]) -> list[int]:
    """`total` in proportion to `weights`, in whole votes (largest remainder)."""
    whole = sum(weights)
    parts = [total * w // whole for w in weights]
    order = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


@pytest.fixture
def dki(empty, db_url):
    if not db_url.startswith("sqlite"):
        pytest.skip("the whole province once is enough: the import path is the same on both")
    empty.imports.regions(DATA / "wilayah_dki.csv", "test")
    empty.imports.tps(DATA / "tps_round1.csv", "test")
    empty.imports.election(DATA / "pilkada_dki2017_r2.toml", "test")
    return empty


def test_the_official_round_two_totals_come_back_at_every_tier(dki, tmp_path):
    official = official_shares("2")
    by_kabkota: dict[str, list] = {}
    for t in sorted(dki.writer.state.tps.values()):
        by_kabkota.setdefault(t.kelurahan[:5], []).append(t)
    path = tmp_path / "kpu-2017-r2.csv"
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["kelurahan_code", "tps_number", "contest", "votes_2", "votes_3", "valid"])
        for kabkota, tps in by_kabkota.items():
            dpt = [t.dpt for t in tps]
            pair2, pair3 = spread(official[kabkota][2], dpt), spread(official[kabkota][3], dpt)
            for t, a, b in zip(tps, pair2, pair3, strict=True):
                w.writerow([t.kelurahan, t.number, CONTEST, a, b, a + b])
    done = dki.result_imports.results(path, "kpu", "test")
    assert done.logged == 13_023
    state = dki.writer.state
    for kabkota, votes in official.items():
        t = state.totals[(kabkota, CONTEST)]
        assert (t.votes[2], t.votes[3]) == (votes[2], votes[3])
    province = state.totals[("31", CONTEST)]
    assert (province.votes[2], province.votes[3], province.valid) == (2_350_366, 3_240_987, 5_591_353)
    assert (province.tps_reported, province.held, province.flagged) == (13_023, 0, 0)
    kecamatan = [k for k in state.regions if k.count(".") == 2]
    assert sum(state.totals[(k, CONTEST)].votes.get(2, 0) for k in kecamatan) == 2_350_366
