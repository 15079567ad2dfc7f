"""Importing regions, TPS and elections: checked whole before anything is logged, then logged in batches."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError, field_validator

from rekap.domain.contest import plan_election
from rekap.domain.errors import ImportRejected, RekapError
from rekap.domain.imports import REGION_COLUMNS, plan_rows
from rekap.domain.log import Entry
from rekap.domain.regions import is_region_code, level_of, parent_of
from rekap.domain.rules import DEFAULT_MAX_VOTERS, DEFAULT_RESERVE_PERMILLE
from rekap.domain.schedule import check_stages, plan_schedule
from rekap.domain.tps import tps_code
from rekap.log.commands import Appended, Command
from rekap.log.writer import LogWriter
from rekap.services.csv_rows import microdegrees, opening_hours, read_rows, require_columns, whole_number

BATCH = 5000  # rows per log entry
Progress = Callable[[int, int], None]


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
    #: reserve ballots per TPS, per mille of its DPT (KPU: 2 %, 2.5 % in Pilkada 2017)
    ballot_reserve_permille: int = Field(default=DEFAULT_RESERVE_PERMILLE, ge=0, le=1000)
    #: the law's maximum of voters per TPS (800 in Pilkada 2017, 300 in Pemilu 2024)
    max_voters_per_tps: int = Field(default=DEFAULT_MAX_VOTERS, ge=1, le=100_000)


class StageIn(BaseModel):
    id: str
    name: str
    start: str
    end: str = ""


class ElectionIn(BaseModel):
    election: ElectionMeta
    contests: list[ContestIn] = Field(min_length=1)
    stages: list[StageIn] = Field(default_factory=list)  # the schedule (tahapan), if the file has one


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


class Imports:
    """Imports of published registers and definitions: each file checked whole, then logged in batches."""

    def __init__(self, writer: LogWriter) -> None:
        self.writer = writer

    def regions(self, path: Path, actor: str, progress: Progress | None = None) -> list[Entry]:
        """Regions CSV: code,name,level,parent_code (Kemendagri codes)."""
        header, rows = read_rows(path)
        require_columns(header, REGION_COLUMNS, path)
        known = self.writer.state.regions
        seen: set[str] = set()
        out: list[list[Any]] = []
        for line, r in rows:
            code, name = (r["code"] or "").strip(), (r["name"] or "").strip()
            if not is_region_code(code) or code == "ID":
                raise ImportRejected(
                    f"line {line}: {code!r} is not a Kemendagri code", field="code", extra={"line": line}
                )
            if code in seen:
                raise ImportRejected(f"line {line}: code {code} appears twice", field="code", extra={"line": line})
            if not name:
                raise ImportRejected(f"line {line}: name is empty", field="name", extra={"line": line})
            level = whole_number(r["level"], line, "level")
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
                raise ImportRejected(
                    f"line {line}: parent {parent} is unknown", field="parent_code", extra={"line": line}
                )
            seen.add(code)
            out.append([code, name, level, parent if level > 1 else ""])
        return self._append("regions", out, actor, progress)

    def tps(self, path: Path, actor: str, progress: Progress | None = None) -> list[Entry]:
        """CSV with kelurahan_code, tps_number, dpt_total (or dpt); optional dpt_male, dpt_female, address,
        latitude, longitude, hours (opening hours, "07:00-13:00") and access (accessibility notes). The Pilkada
        DKI 2017 TPS file is in this format."""
        header, rows = read_rows(path)
        dpt_col = "dpt_total" if "dpt_total" in header else "dpt"
        require_columns(header, ("kelurahan_code", "tps_number", dpt_col), path)
        regions = self.writer.state.regions
        seen: set[str] = set()
        out: list[list[Any]] = []
        for line, r in rows:
            kel = (r["kelurahan_code"] or "").strip()
            region = regions.get(kel)
            if region is None or region.level != 4:
                raise ImportRejected(
                    f"line {line}: {kel!r} is not a known desa/kelurahan", field="kelurahan_code", extra={"line": line}
                )
            number = whole_number(r["tps_number"], line, "tps_number")
            dpt = whole_number(r[dpt_col], line, dpt_col, optional=True)  # empty: the register's DPT is unknown
            assert number is not None
            if number < 1 or number > 9999:
                raise ImportRejected(
                    f"line {line}: tps_number {number} out of range", field="tps_number", extra={"line": line}
                )
            if dpt is not None and dpt < 0:
                raise ImportRejected(f"line {line}: {dpt_col} is negative", field=dpt_col, extra={"line": line})
            male = whole_number(r.get("dpt_male"), line, "dpt_male", optional=True)
            female = whole_number(r.get("dpt_female"), line, "dpt_female", optional=True)
            if dpt is not None and male is not None and female is not None and male + female != dpt:
                raise ImportRejected(
                    f"line {line}: dpt_male + dpt_female = {male + female}, not {dpt}",
                    field=dpt_col,
                    extra={"line": line},
                )
            code = tps_code(kel, number)
            if code in seen:
                raise ImportRejected(f"line {line}: TPS {code} appears twice", field="tps_number", extra={"line": line})
            seen.add(code)
            address = (r.get("address") or "").strip() or None
            lat = microdegrees(r.get("latitude") or r.get("lat"), line, "latitude")
            lon = microdegrees(r.get("longitude") or r.get("lon"), line, "longitude")
            hours = opening_hours(r.get("hours"), line)
            access = (r.get("access") or "").strip() or None
            out.append([code, kel, number, dpt, male, female, address, lat, lon, hours, access])
        return self._append("tps", out, actor, progress)

    def election(self, path: Path, actor: str) -> Entry:
        """Election definition (TOML or JSON): [election] and [[contests]] with [[contests.candidates]]."""
        spec = read_election_file(path)
        ids = [c.id for c in spec.contests]
        if len(set(ids)) != len(ids):
            raise ImportRejected("contest ids must be unique", field="contests")
        stages = check_stages([(f"{path.name}: stages.{i + 1}", s.model_dump()) for i, s in enumerate(spec.stages)])
        definition = spec.model_dump(exclude={"stages"})
        cmds = [Command(partial(plan_election, spec=definition, actor=actor))]
        if stages:
            election = spec.election.id
            cmds.append(Command(partial(plan_schedule, election=election, stages=stages, actor=actor)))
        outs = self.writer.append_batch(cmds)
        for out in outs:
            if isinstance(out, RekapError):
                raise out
        first = outs[0]
        assert isinstance(first, Appended)
        return first.entry

    def _append(self, what: str, rows: list[list[Any]], actor: str, progress: Progress | None) -> list[Entry]:
        """Rows checked whole, logged BATCH to an entry, ten entries to a transaction."""
        entries: list[Entry] = []
        for start in range(0, len(rows), BATCH * 10):
            group = rows[start : start + BATCH * 10]
            cmds = [
                Command(partial(plan_rows, what=what, rows=group[i : i + BATCH], actor=actor))
                for i in range(0, len(group), BATCH)
            ]
            entries += [out.entry for out in self.writer.append_batch(cmds) if isinstance(out, Appended)]
            if progress:
                progress(start + len(group), len(rows))
        return entries
