"""Election committees as the election office publishes them: PPK (kecamatan), PPS (kelurahan), KPPS (TPS)
members and Linmas (TPS security), each with a position and a name. Phones and other contact data are internal;
the log carries only how many members were imported and a hash of them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rekap.domain.errors import ImportRejected
from rekap.domain.fold import State
from rekap.domain.log import Draft
from rekap.domain.regions import level_of

#: each body and the level of the area it serves (5: a TPS)
BODIES = {"ppk": 3, "pps": 4, "kpps": 5, "linmas": 5}
COLUMNS = ("body", "area", "position", "name")  # required; phone and contact are optional
_PHONE = re.compile(r"^\+?[0-9][0-9 -]{5,19}$")


@dataclass(frozen=True, slots=True)
class Member:
    body: str
    area: str  # a kecamatan or kelurahan code, or a TPS code
    seat: int  # its order in the committee as published (1: the chair, usually)
    position: str
    name: str
    phone: str | None = None  # internal
    contact: str | None = None  # internal: e-mail, address, …


def check_member(line: int, body: str, area: str, position: str, name: str, phone: str, known: bool) -> None:
    """Why one row of a committee file is wrong, as ImportRejected naming its line; `known`: the area exists."""

    def bad(message: str, field: str) -> ImportRejected:
        return ImportRejected(f"line {line}: {message}", field=field, extra={"line": line})

    if body not in BODIES:
        raise bad(f"body {body!r} must be one of {', '.join(BODIES)}", "body")
    level = 5 if "-" in area else level_of(area) if area else -1
    if level != BODIES[body] or not known:
        kind = {3: "kecamatan", 4: "kelurahan", 5: "TPS"}[BODIES[body]]
        raise bad(f"{area!r} is not a known {kind} (a {body.upper()} serves a {kind})", "area")
    if not position:
        raise bad("position is empty", "position")
    if not name:
        raise bad("name is empty", "name")
    if phone and not _PHONE.match(phone):
        raise bad(f"phone {phone!r} is not a phone number", "phone")


def plan_committees_imported(state: State, rows: int, sha256: str, actor: str) -> Draft:
    # the members' names stay out of the log: it records that a list was published, not who is on it
    return Draft("committees.imported", {"rows": rows, "sha256": sha256}, actor)
