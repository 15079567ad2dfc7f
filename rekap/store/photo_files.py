"""Content-addressed photo files: originals kept byte for byte, public copies re-encoded without metadata."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _place(root: Path, sha256: str, suffix: str = "") -> Path:
    return root / sha256[:2] / sha256[2:4] / (sha256 + suffix)


def _make_dirs(directory: Path) -> None:
    """mkdir -p, and each new directory's name made durable in its parent."""
    if directory.is_dir():
        return
    _make_dirs(directory.parent)
    try:
        directory.mkdir()
    except FileExistsError:
        return  # another request made it
    _fsync_dir(directory.parent)


def _write_atomically(path: Path, data: bytes) -> None:
    _make_dirs(path.parent)
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


class PhotoFiles:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.originals = root / "original"
        self.public = root / "public"

    def original_path(self, sha256: str) -> Path:
        return _place(self.originals, sha256)

    def has(self, sha256: str) -> bool:
        return self.original_path(sha256).exists()

    def put_original(self, sha256: str, data: bytes) -> None:
        path = self.original_path(sha256)
        if not path.exists():
            _write_atomically(path, data)

    def read_original(self, sha256: str) -> bytes:
        return self.original_path(sha256).read_bytes()

    def public_path(self, sha256: str, variant: str) -> Path:
        return _place(self.public, sha256, f".{variant}.jpg")

    def put_public(self, sha256: str, variant: str, data: bytes) -> None:
        _write_atomically(self.public_path(sha256, variant), data)

    def put_public_copies(self, sha256: str, copies: dict[str, bytes]) -> None:
        """Every public copy of a photo; copies with the same bytes are one file on disk (hard links)."""
        written: dict[bytes, Path] = {}
        for variant, data in copies.items():
            path = self.public_path(sha256, variant)
            first = written.get(data)
            if first is not None:
                try:
                    path.unlink(missing_ok=True)
                    os.link(first, path)
                    continue
                except OSError:
                    pass  # a file system without hard links: a copy of its own
            _write_atomically(path, data)
            written[data] = path
