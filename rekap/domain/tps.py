"""TPS (polling stations): identified by their kelurahan code and number, e.g. 31.71.01.1001-001."""

from __future__ import annotations

import re
from dataclasses import dataclass

_TPS_CODE = re.compile(r"^(\d{2}\.\d{2}\.\d{2}\.\d{4})-(\d{3,4})$")


@dataclass(frozen=True, slots=True)
class Tps:
    code: str
    kelurahan: str
    number: int
    dpt: int
    dpt_male: int | None = None
    dpt_female: int | None = None
    address: str | None = None
    lat_e6: int | None = None  # microdegrees: coordinates stay ints like every number here
    lon_e6: int | None = None


def tps_code(kelurahan: str, number: int) -> str:
    return f"{kelurahan}-{number:03d}"


def parse_tps_code(code: str) -> tuple[str, int] | None:
    m = _TPS_CODE.match(code)
    return (m.group(1), int(m.group(2))) if m else None
