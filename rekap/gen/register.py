"""A synthetic voter register (DPT): how many voters each kelurahan has and how they are split into TPS."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from rekap.domain.errors import InvalidInput
from rekap.domain.tps import tps_code

#: Pemilu 2024: TPS and voters (DPT) in all of Indonesia; a generation at scale s aims at s times these.
NATIONAL_TPS = 823_236
NATIONAL_DPT = 204_807_222
#: A 2024 TPS served at most 300 voters.
MAX_DPT = 300
#: The smallest desa in the draw; remote ones really are this small.
MIN_KELURAHAN_DPT = 60

#: Voters per province in thousands, rounded from the 2024 DPT: weights for where the synthetic voters
#: live (Java holds over half), not data to be reported.
PROVINCE_DPT_THOUSANDS = {
    "11": 3742, "12": 10853, "13": 4088, "14": 4732, "15": 2676, "16": 6327, "17": 1494, "18": 6539,
    "19": 1067, "21": 1548, "31": 8252, "32": 35714, "33": 28290, "34": 2870, "35": 31402, "36": 8842,
    "51": 3269, "52": 3941, "53": 4004, "61": 3948, "62": 1948, "63": 2878, "64": 2849, "65": 505,
    "71": 1971, "72": 2246, "73": 6671, "74": 1876, "75": 862, "76": 966, "81": 1330, "82": 934,
    "91": 732, "92": 386, "93": 367, "94": 1101, "95": 1025, "96": 440,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class TpsRow:
    kelurahan: str
    number: int
    dpt: int
    dpt_male: int

    @property
    def code(self) -> str:
        return tps_code(self.kelurahan, self.number)

    @property
    def dpt_female(self) -> int:
        return self.dpt - self.dpt_male


def per_million(scale: float) -> int:
    """The scale as an int (parts per million), so every count below is integer arithmetic."""
    ppm = round(scale * 1_000_000)
    if not 1 <= ppm <= 1_000_000:
        raise InvalidInput("scale must be between 0.000001 and 1", field="scale")
    return ppm


def split_largest_remainder(total: int, weights: Sequence[int]) -> list[int]:
    """`total` split in proportion to `weights`, in ints that add up exactly (Hare's largest remainder)."""
    whole = sum(weights)
    shares = [total * w // whole for w in weights]
    short = total - sum(shares)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i))
    for i in by_remainder[:short]:
        shares[i] += 1
    return shares


def sample_kelurahan(rng: random.Random, kelurahan: list[str], ppm: int) -> list[str]:
    """All of them at full scale; else a seeded sample, so a fraction keeps a real TPS density per kelurahan."""
    if ppm == 1_000_000:
        return list(kelurahan)
    k = max(1, len(kelurahan) * ppm // 1_000_000)
    return sorted(rng.sample(kelurahan, k))


def kelurahan_weights(rng: random.Random, chosen: list[str], all_per_province: dict[str, int]) -> list[int]:
    """How many voters each kelurahan has, relatively: its province's size shared among the province's
    kelurahan, times a skewed local draw; urban kelurahan (code 1xxx) are larger than desa."""
    weights = []
    for code in chosen:
        province = code[:2]
        base = PROVINCE_DPT_THOUSANDS.get(province, 1000) * 1_000_000 // all_per_province[province]
        local = rng.randint(1, 40) * rng.randint(1, 40) + 40  # a product of uniforms is right-skewed
        urban = 2 if code[9] == "1" else 1
        weights.append(base * local * urban)
    return weights


def tps_per_kelurahan(voters: list[int], total_tps: int) -> list[int]:
    """At least one TPS and enough for ≤ MAX_DPT each; the rest in proportion to voters."""
    needed = [max(1, -(-v // MAX_DPT)) for v in voters]
    spare = total_tps - sum(needed)
    if spare < 0:
        raise ValueError(f"{total_tps} TPS cannot hold {sum(voters)} voters at ≤ {MAX_DPT} each")
    return [n + extra for n, extra in zip(needed, split_largest_remainder(spare, voters), strict=True)]


def split_into_tps(rng: random.Random, voters: int, n: int) -> list[int]:
    """`voters` over `n` TPS: near equal, with seeded jitter, each between 1 and MAX_DPT, adding up exactly."""
    base, rem = divmod(voters, n)
    dpts = [base + (1 if i < rem else 0) for i in range(n)]
    for i in range(n - 1):
        a, b = dpts[i], dpts[i + 1]
        # move up to 15 voters between neighbours, never below 1 nor above MAX_DPT
        lo = max(-15, 1 - a, b - MAX_DPT)
        hi = min(15, b - 1, MAX_DPT - a)
        if lo < hi:
            shift = rng.randint(lo, hi)
            dpts[i], dpts[i + 1] = a + shift, b - shift
    return dpts


def draw_register(rng: random.Random, kelurahan: list[str], ppm: int) -> list[TpsRow]:
    """Every TPS of the generation with its DPT; NATIONAL_TPS and NATIONAL_DPT times the scale in all."""
    all_per_province: dict[str, int] = {}
    for code in kelurahan:
        all_per_province[code[:2]] = all_per_province.get(code[:2], 0) + 1
    chosen = sample_kelurahan(rng, kelurahan, ppm)
    total_dpt = max(len(chosen), NATIONAL_DPT * ppm // 1_000_000)
    total_tps = max(len(chosen), NATIONAL_TPS * ppm // 1_000_000)
    floor = min(MIN_KELURAHAN_DPT, total_dpt // len(chosen))
    weights = kelurahan_weights(rng, chosen, all_per_province)
    voters = [floor + v for v in split_largest_remainder(total_dpt - floor * len(chosen), weights)]
    rows: list[TpsRow] = []
    for code, v, n in zip(chosen, voters, tps_per_kelurahan(voters, total_tps), strict=True):
        for number, dpt in enumerate(split_into_tps(rng, v, n), start=1):
            rows.append(TpsRow(code, number, dpt, dpt * rng.randint(485, 515) // 1000))
    return rows
