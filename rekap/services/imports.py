"""Importing regions, TPS and elections: checked whole before anything is logged, then logged in batches."""

from __future__ import annotations

import csv
import json
import tomllib
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError, field_validator

from rekap.domain.errors import ImportRejected
from rekap.domain.fold import State
from rekap.domain.log import Draft, Entry
from rekap.domain.regions import is_region_code, level_of, parent_of
from rekap.domain.tps import tps_code
from rekap.services.context import Context
from rekap.store.ledger import Command

BATCH = 5000
Progress = Callable[[int, int], None]

REGION_COLUMNS = ("code", "name", "level", "parent_code")
TPS_COLUMNS = ("code", "kelurahan", "number", "dpt", "dpt_male", "dpt_female", "address", "lat_e6", "lon_e6")


def _rows(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            rows = [(i + 2, r) for i, r in enumerate(reader)]
            header = list(reader.fieldnames or [])
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ImportRejected(f"cannot read {path}: {exc}", field="file") from exc
    if not rows:
        raise ImportRejected(f"{path} has no data rows", field="file")
    return header, rows


def _require(header: list[str], needed: Iterable[str], path: Path) -> None:
    missing = [c for c in needed if c not in header]
    if missing:
        raise ImportRejected(f"{path.name}: missing column(s) {', '.join(missing)}", field="header")


def _int(value: str | None, line: int, column: str, *, optional: bool = False) -> int | None:
    v = (value or "").strip()
    if not v:
        if optional:
            return None
        raise ImportRejected(f"line {line}: {column} is empty", field=column, extra={"line": line})
    if not v.lstrip("-").isdigit():
        raise ImportRejected(f"line {line}: {column} {v!r} is not a whole number", field=column, extra={"line": line})
    return int(v)


def _micro(value: str | None, line: int, column: str) -> int | None:
    v = (value or "").strip()
    if not v:
        return None
    try:
        return int(Decimal(v).scaleb(6).to_integral_value())
    except InvalidOperation as exc:
        raise ImportRejected(
            f"line {line}: {column} {v!r} is not a coordinate", field=column, extra={"line": line}
        ) from exc


def _append_batches(
    ctx: Context, kind: str, columns: tuple[str, ...], rows: list[list[Any]], actor: str, progress: Progress | None
) -> list[Entry]:
    def plan(chunk: list[list[Any]]) -> Callable[[State], Draft]:
        return lambda _state: Draft(kind, {"columns": list(columns), "rows": chunk}, actor)

    entries: list[Entry] = []
    for start in range(0, len(rows), BATCH * 10):
        group = rows[start : start + BATCH * 10]
        cmds = [Command(plan(group[i : i + BATCH])) for i in range(0, len(group), BATCH)]
        entries += [e for e in ctx.ledger.append_batch(cmds) if isinstance(e, Entry)]
        if progress:
            progress(start + len(group), len(rows))
    return entries


def import_regions(ctx: Context, path: Path, actor: str, progress: Progress | None = None) -> list[Entry]:
    header, rows = _rows(path)
    _require(header, REGION_COLUMNS, path)
    known = ctx.ledger.state.regions
    seen: set[str] = set()
    out: list[list[Any]] = []
    for line, r in rows:
        code, name = (r["code"] or "").strip(), (r["name"] or "").strip()
        if not is_region_code(code) or code == "ID":
            raise ImportRejected(f"line {line}: {code!r} is not a Kemendagri code", field="code", extra={"line": line})
        if code in seen:
            raise ImportRejected(f"line {line}: code {code} appears twice", field="code", extra={"line": line})
        if not name:
            raise ImportRejected(f"line {line}: name is empty", field="name", extra={"line": line})
        level = _int(r["level"], line, "level")
        if level != level_of(code):
            raise ImportRejected(
                f"line {line}: level {level} does not fit code {code}", field="level", extra={"line": line}
            )
        parent = (r["parent_code"] or "").strip()
        expected_parent = parent_of(code)
        if level > 1 and parent != expected_parent:
            raise ImportRejected(
                f"line {line}: parent_code {parent!r} should be {expected_parent}",
                field="parent_code",
                extra={"line": line},
            )
        if level > 1 and parent not in seen and parent not in known:
            raise ImportRejected(f"line {line}: parent {parent} is unknown", field="parent_code", extra={"line": line})
        seen.add(code)
        out.append([code, name, level, parent if level > 1 else ""])
    return _append_batches(ctx, "regions.imported", REGION_COLUMNS, out, actor, progress)


def import_tps(ctx: Context, path: Path, actor: str, progress: Progress | None = None) -> list[Entry]:
    """CSV with kelurahan_code, tps_number, dpt_total (or dpt); optional dpt_male, dpt_female, address,
    latitude, longitude. The Pilkada DKI 2017 TPS file is in this format."""
    header, rows = _rows(path)
    dpt_col = "dpt_total" if "dpt_total" in header else "dpt"
    _require(header, ("kelurahan_code", "tps_number", dpt_col), path)
    regions = ctx.ledger.state.regions
    seen: set[str] = set()
    out: list[list[Any]] = []
    for line, r in rows:
        kel = (r["kelurahan_code"] or "").strip()
        region = regions.get(kel)
        if region is None or region.level != 4:
            raise ImportRejected(
                f"line {line}: {kel!r} is not a known desa/kelurahan", field="kelurahan_code", extra={"line": line}
            )
        number = _int(r["tps_number"], line, "tps_number")
        dpt = _int(r[dpt_col], line, dpt_col)
        assert number is not None and dpt is not None
        if number < 1 or number > 9999:
            raise ImportRejected(
                f"line {line}: tps_number {number} out of range", field="tps_number", extra={"line": line}
            )
        if dpt < 0:
            raise ImportRejected(f"line {line}: {dpt_col} is negative", field=dpt_col, extra={"line": line})
        male = _int(r.get("dpt_male"), line, "dpt_male", optional=True)
        female = _int(r.get("dpt_female"), line, "dpt_female", optional=True)
        if male is not None and female is not None and male + female != dpt:
            raise ImportRejected(
                f"line {line}: dpt_male + dpt_female = {male + female}, not {dpt}", field=dpt_col, extra={"line": line}
            )
        code = tps_code(kel, number)
        if code in seen:
            raise ImportRejected(f"line {line}: TPS {code} appears twice", field="tps_number", extra={"line": line})
        seen.add(code)
        address = (r.get("address") or "").strip() or None
        lat = _micro(r.get("latitude") or r.get("lat"), line, "latitude")
        lon = _micro(r.get("longitude") or r.get("lon"), line, "longitude")
        out.append([code, kel, number, dpt, male, female, address, lat, lon])
    return _append_batches(ctx, "tps.imported", TPS_COLUMNS, out, actor, progress)


class CandidateIn(BaseModel):
    number: int = Field(ge=1, le=999)
    names: list[str] = Field(min_length=1)
    party: str = ""
    color: str = Field(default="", pattern=r"^(#[0-9a-fA-F]{6})?$")


class ContestIn(BaseModel):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,79}$")
    name: str = Field(min_length=1)
    scope: str
    candidates: list[CandidateIn] = Field(min_length=1)

    @field_validator("candidates")
    @classmethod
    def _unique_numbers(cls, v: list[CandidateIn]) -> list[CandidateIn]:
        numbers = [c.number for c in v]
        if len(set(numbers)) != len(numbers):
            raise ValueError("candidate numbers must be unique")
        return v


class ElectionMeta(BaseModel):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,79}$")
    name: str = Field(min_length=1)
    date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")


class ElectionIn(BaseModel):
    election: ElectionMeta
    contests: list[ContestIn] = Field(min_length=1)


def read_election_file(path: Path) -> ElectionIn:
    try:
        raw = path.read_bytes()
        data = tomllib.loads(raw.decode()) if path.suffix == ".toml" else json.loads(raw)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise ImportRejected(f"cannot read {path}: {exc}", field="file") from exc
    try:
        return ElectionIn.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise ImportRejected(f"{path.name}: {where}: {err['msg']}", field=where) from exc


def import_election(ctx: Context, path: Path, actor: str) -> Entry:
    spec = read_election_file(path)
    ids = [c.id for c in spec.contests]
    if len(set(ids)) != len(ids):
        raise ImportRejected("contest ids must be unique", field="contests")

    def plan(state: State) -> Draft:
        for i, c in enumerate(spec.contests):
            if c.scope not in state.regions:
                raise ImportRejected(
                    f"contest {c.id}: scope {c.scope} is not a known region", field=f"contests.{i}.scope"
                )
            old = state.contests.get(c.id)
            if old and old.scope != c.scope:
                raise ImportRejected(
                    f"contest {c.id} exists with scope {old.scope}; scope cannot change", field=f"contests.{i}.scope"
                )
            if old and old.election != spec.election.id:
                raise ImportRejected(f"contest {c.id} belongs to election {old.election}", field=f"contests.{i}.id")
        return Draft("election.defined", spec.model_dump(), actor)

    return ctx.ledger.append(Command(plan))
