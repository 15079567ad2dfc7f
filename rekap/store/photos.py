"""The photos table: what was uploaded (hash, type, size, pixels, by whom) and when its public copies were made;
the bytes are in the photo store (photo_files)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Table, select, update
from sqlalchemy.dialects import postgresql, sqlite

from rekap.domain.log import Entry
from rekap.store import tables as t
from rekap.store.batch import Rows


@dataclass(frozen=True)
class PhotoInfo:
    sha256: str
    media_type: str
    size: int
    width: int
    height: int


def info(conn: Connection, sha256: str) -> PhotoInfo | None:
    row = conn.execute(select(t.photos).where(t.photos.c.sha256 == sha256)).first()
    return PhotoInfo(row.sha256, row.media_type, row.size, row.width, row.height) if row else None


def known(conn: Connection, hashes: list[str]) -> set[str]:
    if not hashes:
        return set()
    return set(conn.execute(select(t.photos.c.sha256).where(t.photos.c.sha256.in_(hashes))).scalars())


def sizes(conn: Connection, hashes: list[str]) -> dict[str, tuple[int, int]]:
    """(width, height) of each original."""
    if not hashes:
        return {}
    p = t.photos.c
    return {
        r.sha256: (r.width, r.height)
        for r in conn.execute(select(p.sha256, p.width, p.height).where(p.sha256.in_(hashes)))
    }


def insert_new(conn: Connection, photos: list[tuple[PhotoInfo, str, str]]) -> set[str]:
    """Record uploads (info, uploaded_at, uploaded_by) in one statement; the hashes that were not recorded yet
    (the same bytes uploaded twice, or by two machines at once, are one row)."""
    if not photos:
        return set()
    rows = [{**p.__dict__, "uploaded_at": at, "uploaded_by": by} for p, at, by in photos]
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(t.photos).on_conflict_do_nothing(index_elements=["sha256"]).returning(t.photos.c.sha256)
    return set(conn.execute(stmt, rows).scalars())


def rows_sent_with(entry: Entry, *, photos: tuple[tuple[PhotoInfo, str], ...]) -> tuple[Table, Rows]:
    """The photos (info, uploaded_by) sent in one request with the result `entry` logs, as rows of its batch:
    uploaded when it was logged, their copies still to make."""
    return t.photos, [(p.sha256, p.media_type, p.size, p.width, p.height, entry.at, by, None) for p, by in photos]


def not_copied(conn: Connection) -> list[str]:
    """Photos whose public copies are still to be made (an instance stopped before it made them)."""
    return list(conn.execute(select(t.photos.c.sha256).where(t.photos.c.copied_at.is_(None))).scalars())


def mark_copied(conn: Connection, hashes: list[str], at: str) -> None:
    if hashes:
        conn.execute(update(t.photos).where(t.photos.c.sha256.in_(hashes)).values(copied_at=at))


def all_hashes(conn: Connection) -> list[str]:
    return list(conn.execute(select(t.photos.c.sha256)).scalars())
