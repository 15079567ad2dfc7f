"""The photos table: what was uploaded (hash, type, size, pixels, by whom); the bytes are files (photo_files)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from rekap.store import tables as t


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


def insert(conn: Connection, photo: PhotoInfo, uploaded_at: str, uploaded_by: str) -> None:
    """Record an upload, unless the same bytes were recorded already (a race of two uploads)."""
    if conn.execute(select(t.photos.c.sha256).where(t.photos.c.sha256 == photo.sha256)).first() is None:
        conn.execute(
            t.photos.insert(),
            {**photo.__dict__, "uploaded_at": uploaded_at, "uploaded_by": uploaded_by},
        )


def all_hashes(conn: Connection) -> list[str]:
    return list(conn.execute(select(t.photos.c.sha256)).scalars())
