"""The voter register (DPS/DPT): imported from the election office's CSV in bulk, versioned, counted per region
by sex and age band, and turned into the DPT per TPS that the results' capacity rules check against.

A version's voters are loaded beside the current one and committed before anything is logged; the version
becomes current in the transaction of its log entry, so a reader sees the old register or the new one, never
part of one, and a failed import leaves only rows nobody reads (dropped at once).
"""

from __future__ import annotations

import csv
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from sqlalchemy import Connection

from rekap.domain.errors import ImportRejected, RekapError, UnknownRegion
from rekap.domain.imports import plan_rows
from rekap.domain.log import Entry, now_iso
from rekap.domain.register import AGE_BANDS, COLUMNS, age_band, age_on, check_voter, nik_digest, plan_register_imported
from rekap.domain.tps import Tps
from rekap.log.commands import Command
from rekap.log.writer import LogWriter
from rekap.services.imports import BATCH
from rekap.store import register as stored
from rekap.store.db import Database

Progress = Callable[[int, int], None]
PROGRESS_EVERY = 100_000


class RegisterKey:
    """The server's secret for the NIK's HMAC: a file outside the database, created once with mode 0600."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._key: bytes | None = None

    def get(self, create: bool = False) -> bytes | None:
        if self._key is None:
            if not self.path.exists() and create:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as f:
                    f.write(os.urandom(32).hex().encode())
            if self.path.exists():
                self._key = bytes.fromhex(self.path.read_text().strip())
        return self._key


@dataclass(frozen=True, slots=True)
class Imported:
    version: int
    kind: str
    rows: int
    added: int
    removed: int
    tps_changed: int
    unchanged: bool = False


@dataclass(frozen=True, slots=True)
class RegisterStats:
    """Voters of the current register in a region: by sex and by age band on election day."""

    region: str
    version: int
    kind: str
    total: int
    by_sex: dict[str, int]
    by_age: dict[str, int]


class VoterRegister:
    def __init__(self, writer: LogWriter, db: Database, key: RegisterKey) -> None:
        self.writer, self.db, self.key = writer, db, key

    def import_file(self, path: Path, kind: str, actor: str, progress: Progress | None = None) -> Imported:
        """CSV with nik, name, sex (L/P), birth_date (YYYY-MM-DD), tps (its code). The whole file or nothing;
        the same file again changes nothing."""
        kind = kind.upper()
        digest, lines = _file_digest(path)
        with self.db.reader.connect() as conn:
            current = stored.current_version(conn)
            number = stored.last_version_number(conn) + 1
        if current is not None and current.sha256 == digest and current.kind == kind:
            return Imported(current.version, kind, current.rows, 0, 0, 0, unchanged=True)
        key = self.key.get(create=True)
        assert key is not None
        try:
            rows = self._load(path, number, key, lines, progress)
            with self.db.writer.begin() as conn:
                added, removed = stored.changes_between(conn, current.version, number) if current else (rows, 0)
                per_tps = stored.counts_per_tps(conn, number)
                stored.add_version(conn, (number, kind, rows, digest, added, removed, now_iso(), actor, False))
            tps_changed = self._log(number, kind, rows, digest, added, removed, per_tps, actor)
        except BaseException:
            with self.db.writer.begin() as conn:
                stored.drop_version(conn, number)
            raise
        if current is not None:
            with self.db.writer.begin() as conn:
                stored.drop_voters(conn, current.version)  # the counts of the old version stay in register_versions
        return Imported(number, kind, rows, added, removed, tps_changed)

    def _load(self, path: Path, version: int, key: bytes, lines: int, progress: Progress | None) -> int:
        """Every row checked and written as version `version` in one transaction, or ImportRejected."""
        tps = self.writer.state.tps
        seen: set[int] = set()
        n = 0
        with path.open(newline="", encoding="utf-8-sig") as f, self.db.writer.begin() as conn:
            reader = csv.reader(f)
            header = [h.strip() for h in next(reader, [])]
            missing = [c for c in COLUMNS if c not in header]
            if missing:
                raise ImportRejected(f"{path.name}: missing column(s) {', '.join(missing)}", field="header")
            at = [header.index(c) for c in COLUMNS]
            width = len(header)
            with stored.voters_loader(conn) as write:
                for row in reader:
                    line = reader.line_num
                    if len(row) != width:
                        raise ImportRejected(f"line {line}: {len(row)} cells, the header has {width}", field="file",
                                             extra={"line": line})  # fmt: skip
                    nik, name, sex, birth, code = (row[i] for i in at)
                    code = code.strip()
                    nik, sex, birth = check_voter(line, nik, name, sex, birth, code in tps)
                    h = nik_digest(key, nik)
                    short = int(h[:16], 16)
                    if short in seen:
                        raise ImportRejected(f"line {line}: this NIK appears twice in the file", field="nik",
                                             extra={"line": line})  # fmt: skip
                    seen.add(short)
                    write((version, h, nik[-4:], " ".join(name.split()), sex, birth, code))
                    n += 1
                    if progress and n % PROGRESS_EVERY == 0:
                        progress(n, lines)
        if n == 0:
            with self.db.writer.begin() as conn:
                stored.drop_voters(conn, version)
            raise ImportRejected(f"{path} has no data rows", field="file")
        if progress:
            progress(n, n)
        return n

    def _log(self, version: int, kind: str, rows: int, digest: str, added: int, removed: int,
             per_tps: dict[str, tuple[int, int, int]], actor: str) -> int:  # fmt: skip
        """One transaction: the register.imported entry (which makes the version current) and, for a DPT, the
        tps.imported entries of every TPS whose DPT it changes."""

        def make_current(conn: Connection, _entry: Entry) -> None:
            stored.make_current(conn, version)

        plan = partial(plan_register_imported, version=version, kind=kind, rows=rows, sha256=digest, added=added,
                       removed=removed, actor=actor)  # fmt: skip
        cmds = [Command(plan, writes=(make_current,))]
        changed = dpt_changes(self.writer.state.tps, per_tps) if kind == "DPT" else []
        for start in range(0, len(changed), BATCH):
            group = changed[start : start + BATCH]
            cmds.append(Command(partial(plan_rows, what="tps", rows=[list(t) for t in group], actor=actor)))
        for out in self.writer.append_batch(cmds):
            if isinstance(out, RekapError):
                raise out
        return len(changed)

    def stats(self, region: str, day: str) -> RegisterStats | None:
        """The current register's voters within `region` by sex and by age band on `day`."""
        if region not in self.writer.state.regions:
            raise UnknownRegion(f"no region {region!r}", field="region")
        prefix = "" if region == "ID" else region + ("-" if region.count(".") == 3 else ".")
        with self.db.reader.connect() as conn:
            current = stored.current_version(conn)
            if current is None:
                return None
            by_sex = {"L": 0, "P": 0}
            by_age = {age_band(low): 0 for low, _ in AGE_BANDS}
            by_age["<17"] = 0
            for sex, birth, n in stored.birth_dates_by_sex(conn, current.version, prefix):
                by_sex[sex] += n
                by_age[age_band(age_on(birth, day))] += n
        if not by_age["<17"]:
            del by_age["<17"]
        return RegisterStats(region, current.version, current.kind, sum(by_sex.values()), by_sex, by_age)

    def versions(self) -> list[tuple[int, str, int, int, int, str]]:
        """(version, kind, rows, added, removed, imported_at) of every version, oldest first."""
        with self.db.reader.connect() as conn:
            return [(x.version, x.kind, x.rows, x.added, x.removed, x.imported_at) for x in stored.versions(conn)]


def dpt_changes(tps: dict[str, Tps], per_tps: dict[str, tuple[int, int, int]]) -> list[Tps]:
    """The TPS whose DPT the register changes: those it lists, and the other TPS of the kelurahan it covers
    (which now have no voter). TPS of kelurahan it does not mention keep theirs."""
    covered = {tps[code].kelurahan for code in per_tps}
    out = []
    for code, t in tps.items():
        if t.kelurahan not in covered:
            continue
        total, men, women = per_tps.get(code, (0, 0, 0))
        if (t.dpt, t.dpt_male, t.dpt_female) != (total, men, women):
            out.append(t._replace(dpt=total, dpt_male=men, dpt_female=women))
    return out


def _file_digest(path: Path) -> tuple[str, int]:
    """SHA-256 of the file's bytes and its number of lines (for the progress bar), in one read."""
    h, lines = hashlib.sha256(), 0
    try:
        with path.open("rb") as f:
            while chunk := f.read(1 << 20):
                h.update(chunk)
                lines += chunk.count(b"\n")
    except OSError as exc:
        raise ImportRejected(f"cannot read {path}: {exc}", field="file") from exc
    return h.hexdigest(), max(lines - 1, 1)
