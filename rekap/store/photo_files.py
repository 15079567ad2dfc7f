"""Content-addressed photo storage: originals kept byte for byte under their SHA-256, public copies beside them.
Two kinds: files in a directory (the default) and objects in an S3-compatible bucket (photo_bucket)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

from rekap.store import s3


class PhotoStore(Protocol):
    def put_originals(self, photos: Sequence[tuple[str, bytes]]) -> None:
        """Keep each (sha256, bytes); durable when this returns (an upload is acknowledged after it)."""

    def read_original(self, sha256: str) -> bytes | None: ...

    def put_public_copies(self, sha256: str, copies: Mapping[str, bytes]) -> None:
        """Every public copy of a photo, by variant."""

    def read_public(self, sha256: str, variant: str) -> bytes | None: ...


def open_photo_store(target: str | Path, endpoint_url: str | None = None) -> PhotoStore:
    """`s3://bucket/prefix` (with REKAP_S3_ENDPOINT_URL for a store other than AWS) or a directory."""
    if str(target).startswith("s3://"):
        from rekap.store.photo_bucket import PhotoBucket

        bucket, prefix = s3.split_url(str(target))
        return PhotoBucket(bucket, prefix, s3.client(endpoint_url, "REKAP_PHOTO_STORE=s3://…"))
    return PhotoFiles(Path(target))


def _place(root: Path, sha256: str, suffix: str = "") -> Path:
    return root / sha256[:2] / sha256[2:4] / (sha256 + suffix)


def _new_dirs(directory: Path) -> set[Path]:
    """mkdir -p; the directories it made, whose names are durable only once their parents are synced."""
    if directory.is_dir():
        return set()
    made = _new_dirs(directory.parent)
    try:
        directory.mkdir()
    except FileExistsError:
        return made  # another request made it
    return made | {directory}


def _write_atomically(path: Path, data: bytes) -> None:
    for made in sorted(_new_dirs(path.parent)):
        _fsync_dir(made.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())  # acknowledged means on disk
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)  # the new name too: a rename not yet on disk is a photo lost in a power cut


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


class PhotoFiles:
    """`<root>/original/ab/cd/<sha256>` and `<root>/public/ab/cd/<sha256>.<variant>.jpg`, each written with fsync
    and an atomic rename."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.originals = root / "original"
        self.public = root / "public"

    def original_path(self, sha256: str) -> Path:
        return _place(self.originals, sha256)

    def public_path(self, sha256: str, variant: str) -> Path:
        return _place(self.public, sha256, f".{variant}.jpg")

    def _put_files(self, files: Sequence[tuple[Path, bytes]]) -> None:
        """Write each file beside its place, then sync them and every new directory, rename each into place, then
        sync their directories (each once): the batch waits for the disk twice, not twice for each file. (In one
        thread: fsyncs from a pool would batch the journal too, but cost more CPU in thread hand-offs than they
        save on a disk this fast, 0.3 ms a sync.)"""
        staged: list[tuple[int, str, Path]] = []
        new_dirs: set[Path] = set()
        try:
            for path, data in files:
                new_dirs |= _new_dirs(path.parent)
                fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
                staged.append((fd, tmp, path))
                written = 0
                while written < len(data):
                    written += os.write(fd, data[written:])
            for fd, _, _ in staged:
                os.fsync(fd)
            for parent in {d.parent for d in new_dirs}:
                _fsync_dir(parent)  # a new directory's name in its parent
            for _, tmp, path in staged:
                os.replace(tmp, path)
        except BaseException:
            for _, tmp, _ in staged:
                Path(tmp).unlink(missing_ok=True)
            raise
        finally:
            for fd, _, _ in staged:
                os.close(fd)
        for directory in {path.parent for _, _, path in staged}:
            _fsync_dir(directory)

    def put_originals(self, photos: Sequence[tuple[str, bytes]]) -> None:
        new = {self.original_path(sha): data for sha, data in photos}
        self._put_files([(path, data) for path, data in new.items() if not path.exists()])

    def read_original(self, sha256: str) -> bytes | None:
        return _read(self.original_path(sha256))

    def read_public(self, sha256: str, variant: str) -> bytes | None:
        return _read(self.public_path(sha256, variant))

    def put_public_copies(self, sha256: str, copies: Mapping[str, bytes]) -> None:
        """Copies with the same bytes are one file on disk (hard links)."""
        first: dict[bytes, Path] = {}
        for variant, data in copies.items():
            first.setdefault(data, self.public_path(sha256, variant))
        self._put_files([(path, data) for data, path in first.items()])
        linked = False
        for variant, data in copies.items():
            path = self.public_path(sha256, variant)
            if path == first[data]:
                continue
            try:
                path.unlink(missing_ok=True)
                os.link(first[data], path)
                linked = True
            except OSError:
                _write_atomically(path, data)  # a file system without hard links: a copy of its own
        if linked:
            _fsync_dir(self.public_path(sha256, "").parent)  # the links' names
