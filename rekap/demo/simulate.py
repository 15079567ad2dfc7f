"""A SIMULATED election night: plausible C1 results for every TPS, with photos, a few witnesses,
disagreements, flagged forms and corrections, streamed through the real services."""

from __future__ import annotations

import csv
import hashlib
import random
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rekap.demo.c1_form import C1Form, render_c1
from rekap.domain.contest import Contest
from rekap.domain.errors import RekapError
from rekap.domain.result import COUNT_FIELDS, Result
from rekap.domain.rules import reserve_of
from rekap.domain.submission import Submission
from rekap.domain.tps import Tps
from rekap.services.tokens import TokenInfo

if TYPE_CHECKING:
    from rekap.bootstrap import Rekap

DATA = Path(__file__).parent / "data"
RESERVE_PERMILLE = 25  # Pilkada DKI 2017: DPT + 2.5 % ballots per TPS (pilkada_dki2017_r2.toml)
#: the demo's C1 photos: ~65 KB each, ~160 KB on disk with their public copies
DEMO_PHOTO_WIDTH, DEMO_PHOTO_QUALITY = 600, 50


@dataclass(frozen=True)
class Reporters:
    officer: TokenInfo
    operator: TokenInfo
    volunteer: TokenInfo
    witnesses: dict[int, TokenInfo]


def official_shares(round_: str = "2") -> dict[str, dict[int, int]]:
    """Votes per candidate per kab/kota from the official recap: the demo draws TPS results around them."""
    out: dict[str, dict[int, int]] = {}
    with (DATA / "results_kabkota.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["round"] == round_:
                out.setdefault(r["kabkota_code"], {})[int(r["candidate_number"])] = int(r["votes"])
    return out


def draw_result(rng: random.Random, tps: Tps, shares: dict[int, int], lean: int) -> Result:
    """Integer arithmetic only: shares in per-mille, counts by floor division."""
    dpt = tps.dpt or 0
    turnout = max(500, min(950, 780 + rng.randint(-90, 90)))
    reserve = reserve_of(dpt, RESERVE_PERMILLE)  # DPTb and DPK vote on the reserve ballots
    dptb = rng.randint(0, min(3, reserve))
    dpk = rng.randint(0, min(6, reserve - dptb))
    voters = min(dpt * turnout // 1000 + rng.randint(0, dptb + dpk), dpt + dptb + dpk)
    invalid = rng.randint(0, max(1, voters // 60))
    valid = voters - invalid
    numbers = sorted(shares)
    total = sum(shares.values())
    weights = [shares[n] * 1000 // total for n in numbers]
    weights[-1] = max(0, min(1000, weights[-1] + lean + rng.randint(-70, 70)))
    rest = 1000 - weights[-1]
    votes: dict[int, int] = {}
    left = valid
    for n in numbers[:-1]:
        share = rest if len(numbers) == 2 else rest * shares[n] // max(1, total - shares[numbers[-1]])
        votes[n] = valid * share // 1000
        left -= votes[n]
    votes[numbers[-1]] = left
    received = dpt + reserve
    damaged = rng.randint(0, 2)
    unused = max(0, received - voters - damaged)
    return Result(
        votes=votes,
        valid=valid,
        invalid=invalid,
        used=voters,
        unused=unused,
        damaged=damaged,
        dpt=dpt,
        dptb=dptb,
        dpk=dpk,
        voters=voters,
    )


def _every_count(r: Result) -> dict[str, int]:
    """The counts of a drawn result, which gives them all."""
    counts = {f: getattr(r, f) for f in COUNT_FIELDS}
    return {f: v for f, v in counts.items() if v is not None}


class Simulator:
    def __init__(self, rekap: Rekap, contest: Contest, who: Reporters, rate: float, seed: int) -> None:
        self.rekap, self.contest, self.who, self.rate = rekap, contest, who, rate
        self.rng = random.Random(seed)
        self.stop = threading.Event()
        self.done = 0
        self.shares = official_shares()
        state = rekap.writer.state
        self.regions = state.regions
        self.order = sorted(state.tps.values(), key=lambda t: t.code)
        self.rng.shuffle(self.order)
        self.leans = {code: self.rng.randint(-60, 60) for code in state.regions if code.count(".") == 2}

    def names(self, tps: Tps) -> tuple[str, ...]:
        parts = tps.kelurahan.split(".")
        return tuple(self.regions[".".join(parts[:i])].name for i in range(1, 5))

    def photo(self, tps: Tps, r: Result, seed: int) -> str:
        election = self.rekap.writer.state.elections[self.contest.election].name
        form = C1Form(
            election=election,
            contest=self.contest.name,
            region_names=self.names(tps),
            tps_number=tps.number,
            candidates=tuple((c.number, " - ".join(c.names), r.votes[c.number]) for c in self.contest.candidates),
            **_every_count(r),
        )
        # small on purpose: a demo runs on a laptop, and every TPS keeps this and its public copies
        data = render_c1(form, seed=seed, width=DEMO_PHOTO_WIDTH, quality=DEMO_PHOTO_QUALITY)
        sha = hashlib.sha256(data).hexdigest()
        self.rekap.photos.put(sha, data, "image/jpeg", self.who.officer.actor)
        return sha

    def report_one(self, tps: Tps) -> None:
        rng = self.rng
        kabkota = ".".join(tps.kelurahan.split(".")[:2])
        lean = self.leans.get(".".join(tps.kelurahan.split(".")[:3]), 0)
        truth = draw_result(rng, tps, self.shares[kabkota], lean)
        roll = rng.randint(1, 1000)
        officer_result = truth
        if roll <= 6:  # the officer misreads a digit; an operator corrects it later from the photo
            first = self.contest.numbers[0]
            officer_result = _replace_votes(truth, first, max(0, truth.votes[first] - 10), keep_sums=True)
        sha = self.photo(tps, truth, rng.randint(0, 10**6))
        submit = self.rekap.submissions.submit
        receipt = submit(
            self.who.officer,
            Submission(tps.code, self.contest.id, officer_result, (sha,)),
            idempotency_key=f"sim-{tps.code}",
        )
        if roll <= 6:
            correction = Submission(
                tps.code, self.contest.id, truth, (sha,), corrects=receipt.seq, reason="angka salah baca dari C1"
            )
            submit(self.who.operator, correction)
        if roll <= 40:  # a saksi sends their own copy; now and then it disagrees
            number = rng.choice(self.contest.numbers)
            copy = truth if rng.randint(1, 4) > 1 else _replace_votes(truth, number, truth.votes[number] + 7, True)
            submit(self.who.witnesses[number], Submission(tps.code, self.contest.id, copy))
        elif roll <= 52:  # a volunteer's hurried copy that does not add up: stored, flagged
            bad = _replace_votes(truth, self.contest.numbers[-1], truth.votes[self.contest.numbers[-1]] + 3, False)
            submit(self.who.volunteer, Submission(tps.code, self.contest.id, bad))

    def run(self) -> None:
        interval = 1.0 / self.rate if self.rate > 0 else 0.0
        next_at = time.monotonic()
        for tps in self.order:
            if self.stop.is_set():
                return
            if (tps.code, self.contest.id) in self.rekap.writer.state.accepted:
                continue  # resumed demo: this TPS is in already
            try:
                self.report_one(tps)
            except RekapError as err:  # a simulation bug must show, but not stop the night
                print(f"simulator: {tps.code}: {err}")
            self.done += 1
            next_at += interval
            delay = next_at - time.monotonic()
            if delay > 0:
                self.stop.wait(delay)
            else:
                next_at = time.monotonic()


def _replace_votes(r: Result, number: int, value: int, keep_sums: bool) -> Result:
    votes = dict(r.votes)
    diff = value - votes[number]
    votes[number] = value
    if not keep_sums:
        return Result(votes, r.valid, r.invalid, r.used, r.unused, r.damaged, r.dpt, r.dptb, r.dpk, r.voters)
    assert r.valid is not None and r.used is not None and r.unused is not None and r.voters is not None
    return Result(
        votes,
        r.valid + diff,
        r.invalid,
        r.used + diff,
        r.unused - diff,
        r.damaged,
        r.dpt,
        r.dptb,
        r.dpk,
        r.voters + diff,
    )
