"""Kemendagri region codes: the hierarchy province → kab/kota → kecamatan → desa/kelurahan, under the nation."""

from __future__ import annotations

import re
from dataclasses import dataclass

#: The nation is the root of every path; Kemendagri has no code for it.
NATION = "ID"
NATION_NAME = "Indonesia"

_CODE = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name: str
    level: int
    parent: str


def is_region_code(code: str) -> bool:
    return code == NATION or bool(_CODE.match(code))


def level_of(code: str) -> int:
    return 0 if code == NATION else code.count(".") + 1


def parent_of(code: str) -> str | None:
    if code == NATION:
        return None
    return code.rsplit(".", 1)[0] if "." in code else NATION


def path_of(code: str) -> tuple[str, ...]:
    """The code and all its ancestors, nearest first, ending with the nation."""
    parts = code.split(".") if code != NATION else []
    out = [".".join(parts[:i]) for i in range(len(parts), 0, -1)]
    out.append(NATION)
    return tuple(out)


def is_within(code: str, scope: str) -> bool:
    return scope == NATION or code == scope or code.startswith(scope + ".")
