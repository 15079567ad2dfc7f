"""Entries that bring in rows of a published register: the Kemendagri regions and the TPS list."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rekap.domain.fold import State
from rekap.domain.log import Draft

REGION_COLUMNS = ("code", "name", "level", "parent_code")
TPS_COLUMNS = (
    "code", "kelurahan", "number", "dpt", "dpt_male", "dpt_female", "address", "lat_e6", "lon_e6", "hours", "access",
)  # fmt: skip
IMPORT_KINDS = {"regions": "regions.imported", "tps": "tps.imported"}


def plan_rows(state: State, what: str, rows: Sequence[Sequence[Any]], actor: str) -> Draft:
    """One entry of an import: rows already checked whole, in the columns of `what` (regions or tps)."""
    columns = REGION_COLUMNS if what == "regions" else TPS_COLUMNS
    return Draft(IMPORT_KINDS[what], {"columns": list(columns), "rows": [list(r) for r in rows]}, actor)
