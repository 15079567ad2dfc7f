"""Importing per-TPS results from another source's CSV (KPU's Sirekap/Situng export, a partner's count): every
row checked before any is logged, then logged in batches as source kind `import` with the source's name.

The file is read twice, as it streams (an 800,000-row file is never all in memory): once to check every row,
naming the line of the first bad one, and once to log. A row whose numbers the source already has for that TPS
and contest adds nothing, so importing the same file again changes nothing, and an import cut short (a crash,
Ctrl+C after some batches) is finished by running it again.

Columns: `tps` (a TPS code) or `kelurahan_code` + `tps_number`; `contest`; one column per candidate, `votes_<n>`
or just `<n>` (the ballot number); and any of the other counts of the C1 (`valid`, `invalid`, `used`, `unused`,
`damaged`, `dpt`, `dptb`, `dpk`, `voters`). A count without a column or with an empty cell is unknown, not zero.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from rekap.domain.errors import AlreadyLogged, ImportRejected
from rekap.domain.fold import State
from rekap.domain.regions import NATION, is_within
from rekap.domain.result import COUNT_FIELDS, Result, Source
from rekap.domain.submission import Reporter, Submission, plan_imported
from rekap.domain.tps import tps_code
from rekap.log.commands import Appended, Command
from rekap.log.writer import LogWriter

BATCH = 5000  # rows per transaction
MAX_COUNT = 10**7  # as the API: no TPS count comes near it
SOURCE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
_CANDIDATE = re.compile(r"^(?:votes_)?(\d{1,3})$")
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ImportedResults:
    rows: int
    logged: int  # new entries
    unchanged: int  # rows the log had already, from this source


@dataclass(frozen=True)
class _Layout:
    """Where each thing is in a row of the file."""

    tps: int | None
    kelurahan: int | None
    number: int | None
    contest: int
    candidates: dict[int, int]  # ballot number → column
    counts: dict[str, int]  # count → column


def _layout(header: list[str], path: Path) -> _Layout:
    at = {name.strip(): i for i, name in enumerate(header)}
    if "contest" not in at:
        raise ImportRejected(f"{path.name}: missing column contest", field="header")
    if "tps" not in at and not ("kelurahan_code" in at and "tps_number" in at):
        raise ImportRejected(f"{path.name}: needs a tps column, or kelurahan_code and tps_number", field="header")
    candidates = {}
    for name, i in at.items():
        m = _CANDIDATE.match(name)
        if m:
            candidates[int(m.group(1))] = i
    if not candidates:
        raise ImportRejected(f"{path.name}: no candidate columns (votes_<number>)", field="header")
    counts = {f: at[f] for f in COUNT_FIELDS if f in at}
    return _Layout(at.get("tps"), at.get("kelurahan_code"), at.get("tps_number"), at["contest"], candidates, counts)


def _rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """Each data row with the line it ends on (the header is line 1)."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f)
            next(reader, None)
            for row in reader:
                if row:
                    yield reader.line_num, row
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ImportRejected(f"cannot read {path}: {exc}", field="file") from exc


def _header(path: Path) -> list[str]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            return next(csv.reader(f), [])
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ImportRejected(f"cannot read {path}: {exc}", field="file") from exc


def _bad(line: int, column: str, why: str) -> ImportRejected:
    return ImportRejected(f"line {line}: {why}", field=column, extra={"line": line})


def _count(row: list[str], i: int, line: int, column: str, *, needed: bool) -> int | None:
    v = row[i].strip() if i < len(row) else ""
    if not v:
        if needed:
            raise _bad(line, column, f"{column} is empty")
        return None
    if not v.isdigit():
        raise _bad(line, column, f"{column} {v!r} is not a whole number ≥ 0")
    n = int(v)
    if n > MAX_COUNT:
        raise _bad(line, column, f"{column} {n} is more than any TPS can have")
    return n


def _submission(state: State, lay: _Layout, line: int, row: list[str]) -> Submission:
    """One row as a submission, checked against the state as the planner will check it."""
    if lay.tps is not None and lay.tps < len(row) and row[lay.tps].strip():
        code = row[lay.tps].strip()
    else:
        kel = row[lay.kelurahan].strip() if lay.kelurahan is not None and lay.kelurahan < len(row) else ""
        number = _count(row, lay.number, line, "tps_number", needed=True) if lay.number is not None else None
        if number is None:
            raise _bad(line, "tps", "no TPS code and no kelurahan_code + tps_number")
        code = tps_code(kel, number)
    tps = state.tps.get(code)
    if tps is None:
        raise _bad(line, "tps", f"no TPS {code}")
    contest_id = row[lay.contest].strip() if lay.contest < len(row) else ""
    contest = state.contests.get(contest_id)
    if contest is None:
        raise _bad(line, "contest", f"no contest {contest_id!r}")
    if not is_within(tps.kelurahan, contest.scope):
        raise _bad(line, "tps", f"TPS {code} is outside the scope {contest.scope} of {contest.id}")
    votes: dict[int, int] = {}
    for number, i in lay.candidates.items():
        v = _count(row, i, line, f"votes_{number}", needed=number in contest.numbers)
        if v is None:
            continue
        if number not in contest.numbers:
            raise _bad(line, f"votes_{number}", f"contest {contest.id} has no candidate {number}")
        votes[number] = v
    for number in contest.numbers:
        if number not in votes:
            raise _bad(line, f"votes_{number}", f"votes for candidate {number} are missing")
    c = {f: _count(row, i, line, f, needed=False) for f, i in lay.counts.items()}
    g = c.get
    result = Result(votes, g("valid"), g("invalid"), g("used"), g("unused"), g("damaged"), g("dpt"), g("dptb"),
                    g("dpk"), g("voters"))  # fmt: skip
    return Submission(code, contest.id, result)


class ResultImports:
    def __init__(self, writer: LogWriter) -> None:
        self.writer = writer

    def results(self, path: Path, source: str, actor: str, progress: Progress | None = None) -> ImportedResults:
        """Check every row of `path`, then log them as `source`'s figures; a bad row: ImportRejected naming its
        line, and nothing logged."""
        if not SOURCE_NAME.match(source):
            raise ImportRejected("a source name is 1–32 of a-z, 0-9 and -, e.g. kpu-sirekap", field="source")
        lay = _layout(_header(path), path)
        total = self._check(path, lay, progress)
        who = Reporter(actor, Source("import", None, source), NATION)
        logged = unchanged = 0
        pending: list[Command] = []

        def flush() -> None:
            nonlocal logged, unchanged
            for out in self.writer.append_batch(pending):
                if isinstance(out, Appended):
                    logged += 1
                elif isinstance(out, AlreadyLogged):
                    unchanged += 1
                elif isinstance(out, Exception):  # the state changed between the check and the log
                    raise out
                else:
                    unchanged += 1
            pending.clear()

        for done, (line, row) in enumerate(_rows(path), start=1):
            sub = _submission(self.writer.state, lay, line, row)
            pending.append(Command(partial(plan_imported, sub=sub, who=who)))
            if len(pending) >= BATCH:
                flush()
                if progress:
                    progress(total + done, 2 * total)
        if pending:
            flush()
        if progress:
            progress(2 * total, 2 * total)
        return ImportedResults(total, logged, unchanged)

    def _check(self, path: Path, lay: _Layout, progress: Progress | None) -> int:
        """Every row, as it will be logged: the number of rows, or the first bad row's error."""
        state = self.writer.state
        seen: set[tuple[str, str]] = set()
        n = 0
        for line, row in _rows(path):
            sub = _submission(state, lay, line, row)
            key = (sub.tps, sub.contest)
            if key in seen:
                raise _bad(line, "tps", f"TPS {sub.tps} appears twice for {sub.contest}")
            seen.add(key)
            n += 1
            if progress and n % BATCH == 0:
                progress(n, 0)
        if not n:
            raise ImportRejected(f"{path} has no data rows", field="file")
        return n
