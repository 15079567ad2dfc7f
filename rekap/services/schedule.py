"""The election's stages (tahapan): set by operators, from the election definition or a CSV file; read by the
public pages (the current stage on the home page) and exported."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from functools import partial
from pathlib import Path
from typing import Any

from rekap.domain.errors import UnknownContest
from rekap.domain.log import Entry
from rekap.domain.schedule import Stage, check_stages, current_stage, next_stage, plan_schedule
from rekap.log.commands import Command
from rekap.log.writer import LogWriter
from rekap.services.csv_rows import read_rows, require_columns
from rekap.services.read_model import ReadModel

COLUMNS = ("id", "name", "start", "end")
_WIB = timezone(timedelta(hours=7))  # the stages' dates are days in Jakarta


def today_wib() -> str:
    return datetime.now(UTC).astimezone(_WIB).date().isoformat()


class Schedule:
    def __init__(self, model: ReadModel, writer: LogWriter) -> None:
        self.model, self.writer = model, writer
        self.today = today_wib  # replaceable: tests and demos show a given day

    def stages(self, election: str) -> list[Stage]:
        s = self.model.structure
        if election not in s.election_names:
            raise UnknownContest(f"no election {election!r}", field="election")
        return [Stage(*row) for row in s.schedules.get(election, ())]

    def now(self, election: str) -> tuple[Stage | None, Stage | None]:
        """The stage under way today and the next one to start."""
        stages, today = self.stages(election), self.today()
        return current_stage(stages, today), next_stage(stages, today)

    def set(self, election: str, rows: list[dict[str, Any]], actor: str) -> Entry:
        stages = check_stages([(f"stages.{i + 1}", r) for i, r in enumerate(rows)])
        return self.writer.append(Command(partial(plan_schedule, election=election, stages=stages, actor=actor)))

    def import_csv(self, path: Path, election: str, actor: str) -> Entry:
        """CSV with id, name, start, end (YYYY-MM-DD): the whole schedule, replacing the one before."""
        header, rows = read_rows(path)
        require_columns(header, COLUMNS, path)
        stages = check_stages([(f"line {line}", r) for line, r in rows])
        return self.writer.append(Command(partial(plan_schedule, election=election, stages=stages, actor=actor)))

    def export_rows(self, election: str) -> list[list[str]]:
        return [[s.id, s.name, s.start, s.end] for s in self.stages(election)]
