"""The demo's simulated night: every drawn C1 adds up, and the stream goes through the real services."""

import random

from conftest import CONTEST
from hypothesis import given
from hypothesis import strategies as st

from rekap.demo.run import demo_reporters
from rekap.demo.simulate import Simulator, draw_result, official_shares
from rekap.domain.rules import TpsFacts, check
from rekap.domain.tps import Tps

SHARES = official_shares()


@given(seed=st.integers(0, 10**6), dpt=st.integers(27, 800), kabkota=st.sampled_from(sorted(SHARES)),
       lean=st.integers(-60, 60))
def test_drawn_results_always_add_up(seed, dpt, kabkota, lean):
    r = draw_result(random.Random(seed), Tps("31.71.01.1001-001", "31.71.01.1001", 1, dpt), SHARES[kabkota], lean)
    assert check(r, TpsFacts(r.dpt, 25, 800)) == ()
    assert all(isinstance(v, int) for v in r.votes.values())


def test_official_round_two_totals_are_the_published_ones():
    assert sum(v[2] for v in SHARES.values()) == 2_350_366
    assert sum(v[3] for v in SHARES.values()) == 3_240_987


def test_simulator_reports_through_services(rekap):
    sim = Simulator(rekap, rekap.writer.state.contests[CONTEST], demo_reporters(rekap), rate=0, seed=7)
    sim.order = sim.order[:60]
    sim.run()
    state = rekap.writer.state
    assert state.totals[("31", CONTEST)].tps_reported == 60
    assert rekap.settings.photo_dir.exists() and any(rekap.files.originals.rglob("*"))
    kinds = {label for key in state.accepted for label in state.latest_of(key)}
    assert "officer" in kinds
    assert rekap.verify().ok
