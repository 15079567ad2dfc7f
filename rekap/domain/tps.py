"""TPS (polling stations): identified by their kelurahan code and number, e.g. 31.71.01.1001-001."""

from __future__ import annotations

from typing import NamedTuple


class Tps(NamedTuple):
    """Immutable; a named tuple because a national import makes 823k of them, and a frozen dataclass takes
    several times as long to make."""

    code: str
    kelurahan: str
    number: int
    dpt: int | None  # None: the register's figure is not known
    dpt_male: int | None = None
    dpt_female: int | None = None
    address: str | None = None
    lat_e6: int | None = None  # microdegrees: coordinates stay ints like every number here
    lon_e6: int | None = None
    hours: str | None = None  # opening hours as published, e.g. "07:00-13:00"
    access: str | None = None  # accessibility notes: wheelchair access, ground floor, …


def tps_code(kelurahan: str, number: int) -> str:
    return f"{kelurahan}-{number:03d}"
