"""Synthetic C1 results of the presidential contest: regional leanings, turnout, and the order they arrive in.

Every number is an int: shares and rates are per-mille, counts come from floor division, and the last
candidate takes what is left so that the form's arithmetic always holds (sum of votes = valid, valid +
invalid = used = voters ≤ DPT + DPTb + DPK).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from rekap.domain.rules import reserve_of
from rekap.gen.register import TpsRow

#: National shares per-mille, shaped like 2024's pilpres (one clear front-runner, two others).
NATIONAL_SHARES = (250, 586, 164)
NATIONAL_TURNOUT = 818
#: Where polls close first in absolute time: 13:00 WIT is 11:00 WIB.
CLOSING_MINUTE = {"WIT": 0, "WITA": 60, "WIB": 120}


def zone_of(province: str) -> str:
    if province[0] == "9" or province in ("81", "82"):
        return "WIT"
    if province[0] in "57" or province in ("63", "64", "65"):
        return "WITA"
    return "WIB"


@dataclass(frozen=True, slots=True)
class Leaning:
    """How a region votes: shares per-mille (they need not add up to 1000), turnout and invalid rates."""

    shares: tuple[int, ...]
    turnout: int
    invalid: int

    def varied(self, rng: random.Random, spread: int, turnout_spread: int) -> Leaning:
        shares = tuple(max(5, s + rng.randint(-spread, spread)) for s in self.shares)
        turnout = min(970, max(550, self.turnout + rng.randint(-turnout_spread, turnout_spread)))
        invalid = min(80, max(5, self.invalid + rng.randint(-5, 5)))
        return Leaning(shares, turnout, invalid)


class Electorate:
    """Leanings drawn once per province, kab/kota and kecamatan, each around its parent's."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.nation = Leaning(NATIONAL_SHARES, NATIONAL_TURNOUT, 20)
        self.regions: dict[str, Leaning] = {}

    def _province(self, code: str) -> Leaning:
        base = self.nation.varied(self.rng, 120, 50)
        # most provinces have a favourite well above the national figure
        favourite = self.rng.randrange(len(base.shares))
        shares = tuple(s + (self.rng.randint(0, 250) if i == favourite else 0) for i, s in enumerate(base.shares))
        return Leaning(shares, base.turnout, base.invalid)

    def leaning(self, kecamatan: str) -> Leaning:
        found = self.regions.get(kecamatan)
        if found is None:
            province, kabkota = kecamatan[:2], kecamatan[:5]
            if province not in self.regions:
                self.regions[province] = self._province(province)
            if kabkota not in self.regions:
                self.regions[kabkota] = self.regions[province].varied(self.rng, 60, 30)
            found = self.regions[kecamatan] = self.regions[kabkota].varied(self.rng, 30, 15)
        return found


def draw_result(rng: random.Random, tps: TpsRow, lean: Leaning) -> dict[str, Any]:
    """One TPS's C1 for the contest, as the `result` of a submission body."""
    reserve = reserve_of(tps.dpt, 20)  # 2 % extra ballots per TPS, rounded up; DPTb and DPK vote on them
    dptb = rng.randint(0, min(3, reserve))
    dpk = rng.randint(0, min(5, reserve - dptb))
    turnout = min(995, max(400, lean.turnout + rng.randint(-60, 60)))
    voters = min(tps.dpt * turnout // 1000 + dptb + dpk, tps.dpt + dptb + dpk)
    invalid = min(voters, voters * lean.invalid // 1000 + rng.randint(0, 2))
    valid = voters - invalid
    weights = [max(1, s + rng.randint(-40, 40)) for s in lean.shares]
    whole = sum(weights)
    votes = [valid * w // whole for w in weights[:-1]]
    votes.append(valid - sum(votes))
    damaged = rng.randint(0, min(2, reserve - dptb - dpk))
    received = tps.dpt + reserve
    return {
        "votes": {str(n): v for n, v in enumerate(votes, start=1)},
        "valid": valid,
        "invalid": invalid,
        "used": voters,
        "unused": received - voters - damaged,
        "damaged": damaged,
        "dpt": tps.dpt,
        "dptb": dptb,
        "dpk": dpk,
        "voters": voters,
    }


def arrival_minute(rng: random.Random, tps: TpsRow) -> int:
    """Minutes after the first polls close (in WIT) until this C1 reaches the server: the east closes first,
    counting takes hours, and uploads from desa straggle longer than from urban kelurahan."""
    counting = rng.randint(90, 240)
    upload = rng.randint(0, 30) * rng.randint(0, 12)
    rural = rng.randint(0, 180) if tps.kelurahan[9] != "1" else 0
    return CLOSING_MINUTE[zone_of(tps.kelurahan[:2])] + counting + upload + rural
