"""`rekap import recap FILE`: per-region recap (D-form) figures from CSV, checked whole before anything is logged.

Columns: `region`, `contest`, `votes_<n>` for each candidate of the contest, and the D-form's counts (`valid`,
`invalid`, `used`, `unused`, `damaged`, `dpt`, `dptb`, `dpk`, `voters`); an optional `reason`. A row whose figures
are the recap's already logs nothing, so importing the same file again changes nothing; a row that changes a
recap's figures is a correction (its reason, or the file's name).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from rekap.domain.errors import ImportRejected, RekapError
from rekap.domain.fold import State
from rekap.domain.log import Entry
from rekap.domain.recap import Operator, RecapFigures, plan_recap_entered, recap_of
from rekap.domain.regions import NATION
from rekap.domain.result import COUNT_FIELDS, Result
from rekap.log.commands import Appended, Command
from rekap.log.writer import LogWriter
from rekap.services.csv_rows import Line, read_rows, require_columns, whole_number

Progress = Callable[[int, int], None]
BATCH = 500  # entries to a transaction


def _figures(state: State, line: int, row: dict[str, str], default_reason: str) -> RecapFigures:
    region, contest_id = (row.get("region") or "").strip(), (row.get("contest") or "").strip()
    contest = state.contests.get(contest_id)
    if contest is None:
        raise ImportRejected(f"line {line}: no contest {contest_id!r}", field="contest", extra={"line": line})
    votes = {}
    for n in contest.numbers:
        v = whole_number(row.get(f"votes_{n}"), line, f"votes_{n}")
        assert v is not None
        votes[n] = v
    counts = {f: whole_number(row.get(f), line, f) for f in COUNT_FIELDS}
    result = Result.from_payload({**counts, "votes": votes})
    reason = (row.get("reason") or "").strip() or default_reason
    return RecapFigures(region, contest_id, result, (), reason)


class RecapImport:
    def __init__(self, writer: LogWriter) -> None:
        self.writer = writer

    def recap(self, path: Path, actor: str, progress: Progress | None = None) -> list[Entry]:
        header, rows = read_rows(path)
        require_columns(header, ("region", "contest", *COUNT_FIELDS), path)
        who = Operator(actor, "importer", NATION)
        cmds = self._checked(rows, path, who)
        entries: list[Entry] = []
        for start in range(0, len(cmds), BATCH):
            outcomes = self.writer.append_batch(cmds[start : start + BATCH])
            refused = [o for o in outcomes if isinstance(o, RekapError)]
            entries += [o.entry for o in outcomes if isinstance(o, Appended)]
            if refused:  # only when the log moved since the file was checked
                raise ImportRejected(f"{refused[0]} (after {len(entries)} recaps were logged)", field="file")
            if progress:
                progress(start + len(outcomes), len(cmds))
        if progress and not cmds:
            progress(0, 0)
        return entries

    def _checked(self, rows: list[Line], path: Path, who: Operator) -> list[Command]:
        """One command per row that changes a recap; any bad row refuses the whole file."""
        state = self.writer.state
        seen: set[tuple[str, str]] = set()
        cmds = []
        for line, row in rows:
            fig = _figures(state, line, row, f"imported from {path.name}")
            key = (fig.region, fig.contest)
            if key in seen:
                raise ImportRejected(f"line {line}: {fig.region} appears twice", field="region", extra={"line": line})
            seen.add(key)
            current = recap_of(state, *key)
            if current.result is not None and current.result.signature() == fig.result.signature():
                continue
            try:
                plan_recap_entered(state, fig, who, source="import")
            except RekapError as err:
                raise ImportRejected(f"line {line}: {err}", field=err.field, extra={"line": line}) from err
            cmds.append(Command(partial(plan_recap_entered, fig=fig, who=who, source="import")))
        return cmds
