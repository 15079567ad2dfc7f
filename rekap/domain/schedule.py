"""The election's stages (tahapan) with their dates, the stage of a given day, and the entry that sets them."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from rekap.domain.errors import ImportRejected, UnknownContest
from rekap.domain.fold import State
from rekap.domain.log import Draft

_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")


@dataclass(frozen=True, slots=True)
class Stage:
    id: str
    name: str
    start: str  # YYYY-MM-DD, the first day
    end: str  # YYYY-MM-DD, the last day (the same as start for a one-day stage)

    def to_payload(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name, "start": self.start, "end": self.end}


def _day(value: str, where: str, field: str) -> str:
    try:
        if len(value) == 10:
            return date.fromisoformat(value).isoformat()
    except ValueError:
        pass
    raise ImportRejected(f"{where}: {field} {value!r} is not a date (YYYY-MM-DD)", field=field)


def check_stages(rows: Sequence[tuple[str, Mapping[str, Any]]]) -> tuple[Stage, ...]:
    """Stages from (where, fields) rows, each named by where it came from ("line 3", "stages.2") when it is
    wrong: ids unique, names given, dates real and in order. Sorted by start date."""
    seen: set[str] = set()
    stages = []
    for where, r in rows:
        sid, name = str(r.get("id") or "").strip(), str(r.get("name") or "").strip()
        if not _ID.match(sid):
            raise ImportRejected(f"{where}: id {sid!r} must be lowercase letters, digits and -", field="id")
        if sid in seen:
            raise ImportRejected(f"{where}: stage {sid} appears twice", field="id")
        if not name:
            raise ImportRejected(f"{where}: name is empty", field="name")
        start = _day(str(r.get("start") or "").strip(), where, "start")
        end = _day(str(r.get("end") or "").strip() or start, where, "end")
        if end < start:
            raise ImportRejected(f"{where}: end {end} is before start {start}", field="end")
        seen.add(sid)
        stages.append(Stage(sid, name, start, end))
    return tuple(sorted(stages, key=lambda s: (s.start, s.end)))


def current_stage(stages: Sequence[Stage], today: str) -> Stage | None:
    """The stage under way on `today` (the one that started last, when stages overlap), or None."""
    running = [s for s in stages if s.start <= today <= s.end]
    return max(running, key=lambda s: s.start) if running else None


def next_stage(stages: Sequence[Stage], today: str) -> Stage | None:
    coming = [s for s in stages if s.start > today]
    return min(coming, key=lambda s: s.start) if coming else None


def plan_schedule(state: State, election: str, stages: Sequence[Stage], actor: str) -> Draft:
    if election not in state.elections:
        raise UnknownContest(f"no election {election!r}", field="election")
    return Draft("schedule.set", {"election": election, "stages": [s.to_payload() for s in stages]}, actor)


def stages_of(payload: Mapping[str, Any]) -> tuple[Stage, ...]:
    return tuple(Stage(s["id"], s["name"], s["start"], s["end"]) for s in payload["stages"])
