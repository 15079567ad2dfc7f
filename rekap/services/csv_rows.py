"""Reading an import file whole before anything is logged: its rows with their line numbers, and cells read as
the type they must be, naming the line of a bad one (ImportRejected with `extra["line"]`)."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from rekap.domain.errors import ImportRejected

Line = tuple[int, dict[str, str]]  # a data row and its line in the file (the header is line 1)


def read_rows(path: Path) -> tuple[list[str], list[Line]]:
    """The header and every data row of a CSV file (UTF-8, with or without a BOM)."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            rows = [(reader.line_num, r) for r in reader]  # the line a row ends on, quoted line breaks and all
            header = list(reader.fieldnames or [])
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ImportRejected(f"cannot read {path}: {exc}", field="file") from exc
    if not rows:
        raise ImportRejected(f"{path} has no data rows", field="file")
    return header, rows


def require_columns(header: list[str], needed: Iterable[str], path: Path) -> None:
    missing = [c for c in needed if c not in header]
    if missing:
        raise ImportRejected(f"{path.name}: missing column(s) {', '.join(missing)}", field="header")


def whole_number(value: str | None, line: int, column: str, *, optional: bool = False) -> int | None:
    v = (value or "").strip()
    if not v:
        if optional:
            return None
        raise ImportRejected(f"line {line}: {column} is empty", field=column, extra={"line": line})
    if not v.lstrip("-").isdigit():
        raise ImportRejected(f"line {line}: {column} {v!r} is not a whole number", field=column, extra={"line": line})
    return int(v)


def microdegrees(value: str | None, line: int, column: str) -> int | None:
    v = (value or "").strip()
    if not v:
        return None
    try:
        return int(Decimal(v).scaleb(6).to_integral_value())
    except InvalidOperation as exc:
        raise ImportRejected(
            f"line {line}: {column} {v!r} is not a coordinate", field=column, extra={"line": line}
        ) from exc


_HOURS = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")


def opening_hours(value: str | None, line: int) -> str | None:
    """Opening hours as "HH:MM-HH:MM" (24 h), opening before closing; empty: not published."""
    v = (value or "").strip().replace(" ", "").replace("–", "-")
    if not v:
        return None
    if not _HOURS.match(v) or v[:5] >= v[6:]:
        raise ImportRejected(
            f"line {line}: hours {value!r} is not HH:MM-HH:MM (e.g. 07:00-13:00)", field="hours", extra={"line": line}
        )
    return v
#: a cell starting with one of these is read as a formula by spreadsheets (OWASP "CSV injection"); the
#: full-width forms are read as formulas by some
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def spreadsheet_cell(value: Any) -> Any:
    """A cell as it may go into a CSV that someone opens in a spreadsheet: text that would start a formula gets
    a leading apostrophe, and a bare carriage return (which splits the row in spreadsheets) becomes a line break
    inside the quoted cell. Numbers stay numbers: -5 is no formula."""
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_STARTS):
        value = "'" + value
    return value.replace("\r\n", "\n").replace("\r", "\n")


def spreadsheet_row(row: Iterable[Any]) -> list[Any]:
    return [spreadsheet_cell(v) for v in row]
