"""Election committees: imported whole from the office's CSV (nothing half-imported), shown to the public with
position and name only; phones and other contact data stay internal."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from sqlalchemy import Connection

from rekap.domain.committees import BODIES, COLUMNS, Member, check_member, plan_committees_imported
from rekap.domain.log import Entry, canonical
from rekap.log.commands import Command
from rekap.log.writer import LogWriter
from rekap.services.csv_rows import read_rows, require_columns
from rekap.store import register as stored
from rekap.store.db import Database

PUBLIC_COLUMNS = ("body", "area", "seat", "position", "name")
INTERNAL_COLUMNS = (*PUBLIC_COLUMNS, "phone", "contact")


@dataclass(frozen=True, slots=True)
class PublicMember:
    """What the public sees of a committee member: the body, the area, the position and the name."""

    body: str
    area: str
    position: str
    name: str


class Committees:
    def __init__(self, writer: LogWriter, db: Database) -> None:
        self.writer, self.db = writer, db

    def import_csv(self, path: Path, actor: str) -> Entry | None:
        """CSV with body (ppk, pps, kpps, linmas), area (its kecamatan, kelurahan or TPS code), position, name;
        optional phone and contact. Replaces every committee; None when it is the list already imported."""
        header, rows = read_rows(path)
        require_columns(header, COLUMNS, path)
        state = self.writer.state
        members: list[Member] = []
        seats: dict[tuple[str, str], int] = {}
        for line, r in rows:
            body = (r["body"] or "").strip().lower()
            area = (r["area"] or "").strip()
            position, name = (r["position"] or "").strip(), " ".join((r["name"] or "").split())
            phone = (r.get("phone") or "").strip()
            known = area in state.tps if "-" in area else area in state.regions
            check_member(line, body, area, position, name, phone, known)
            seat = seats[body, area] = seats.get((body, area), 0) + 1
            contact = (r.get("contact") or "").strip() or None
            members.append(Member(body, area, seat, position, name, phone or None, contact))
        digest = hashlib.sha256(canonical([[*_row(x), x.phone, x.contact] for x in members])).hexdigest()
        if digest == state.committees_hash:
            return None

        def write(conn: Connection, _entry: Entry) -> None:
            stored.replace_committees(conn, members)

        plan = partial(plan_committees_imported, rows=len(members), sha256=digest, actor=actor)
        return self.writer.append(Command(plan, writes=(write,)))

    def public_of(self, areas: list[str]) -> list[PublicMember]:
        """The published members serving these areas (a TPS, its kelurahan, its kecamatan), by body and seat."""
        with self.db.reader.connect() as conn:
            members = stored.committee_of(conn, areas)
        order = list(BODIES)
        members.sort(key=lambda x: (order.index(x.body), x.area, x.seat))
        return [PublicMember(x.body, x.area, x.position, x.name) for x in members]

    def export_rows(self, internal: bool) -> list[list[object]]:
        with self.db.reader.connect() as conn:
            members = stored.all_members(conn)
        return [list(_row(x)) + ([x.phone or "", x.contact or ""] if internal else []) for x in members]


def _row(x: Member) -> tuple[str, str, int, str, str]:
    return (x.body, x.area, x.seat, x.position, x.name)
