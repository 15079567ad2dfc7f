"""C1 photos: accepting uploads safely (type, size, pixel count, hash) and serving metadata-free copies."""

from __future__ import annotations

import hashlib
import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from rekap.domain.errors import (
    NotFound,
    PhotoHashMismatch,
    PhotoNotImage,
    PhotoTooLarge,
    PhotoTooManyPixels,
    PhotoUnsupportedType,
)
from rekap.domain.log import now_iso
from rekap.store import photos as stored
from rekap.store.db import Database
from rekap.store.photo_files import PhotoFiles
from rekap.store.photos import PhotoInfo

ACCEPTED_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
#: the longest side of each public copy of a photo, in pixels
PHOTO_VARIANTS = {"full": 2400, "view": 1400, "thumb": 320}


def _check_pixels(width: int, height: int, limit: int) -> None:
    if width * height > limit:
        raise PhotoTooManyPixels(f"{width}×{height} = {width * height} pixels; at most {limit}", field="body")


def inspect_image(data: bytes, declared_type: str | None, max_pixels: int) -> tuple[str, int, int]:
    """The media type and size of an acceptable image, or the reason it is not acceptable."""
    if declared_type and declared_type.split(";")[0].strip() not in ACCEPTED_TYPES.values():
        raise PhotoUnsupportedType(
            f"Content-Type {declared_type} not accepted; use JPEG, PNG or WebP", field="content-type"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            # the header gives the size before any pixel is decoded: a bomb never gets expanded
            _check_pixels(img.width, img.height, max_pixels)
            fmt = img.format or ""
            if fmt not in ACCEPTED_TYPES:
                raise PhotoUnsupportedType(
                    f"image format {fmt or 'unknown'} not accepted; use JPEG, PNG or WebP", field="body"
                )
            img.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PhotoTooManyPixels(str(exc), field="body") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise PhotoNotImage("body is not a readable JPEG, PNG or WebP image", field="body") from exc
    return ACCEPTED_TYPES[fmt], img.width, img.height


class Photos:
    def __init__(self, db: Database, files: PhotoFiles, max_bytes: int, max_pixels: int) -> None:
        self.db, self.files = db, files
        self.max_bytes, self.max_pixels = max_bytes, max_pixels

    def put(self, sha256: str, data: bytes, declared_type: str | None, actor: str) -> tuple[PhotoInfo, bool]:
        """Store the original bytes under their hash; (info, created). Same bytes again → same info."""
        sha256 = sha256.lower()
        if len(data) > self.max_bytes:
            raise PhotoTooLarge(f"{len(data)} bytes; at most {self.max_bytes}", field="body")
        actual = hashlib.sha256(data).hexdigest()
        if actual != sha256:
            raise PhotoHashMismatch(f"body hashes to {actual}", field="sha256")
        existing = self.info(sha256)
        if existing is not None:
            return existing, False
        media_type, width, height = inspect_image(data, declared_type, self.max_pixels)
        self.files.put_original(sha256, data)
        info = PhotoInfo(sha256, media_type, len(data), width, height)
        with self.db.writer.begin() as conn:
            stored.insert(conn, info, now_iso(), actor)
        return info, True

    def info(self, sha256: str) -> PhotoInfo | None:
        with self.db.reader.connect() as conn:
            return stored.info(conn, sha256)

    def public_copy(self, sha256: str, variant: str = "view") -> bytes:
        """A JPEG re-encoded from the original: upright, at most PHOTO_VARIANTS[variant] px, with no metadata."""
        if variant not in PHOTO_VARIANTS:
            raise NotFound(f"no photo size {variant!r}; use one of {', '.join(PHOTO_VARIANTS)}", field="size")
        path = self.files.public_path(sha256, variant)
        if path.exists():
            return path.read_bytes()
        if self.info(sha256) is None or not self.files.has(sha256):
            raise NotFound(f"no photo {sha256}", field="sha256")
        with Image.open(io.BytesIO(self.files.read_original(sha256))) as original:
            upright = ImageOps.exif_transpose(original).convert("RGB")
        box = PHOTO_VARIANTS[variant]
        upright.thumbnail((box, box))
        out = io.BytesIO()
        upright.save(out, "JPEG", quality=82, optimize=True)  # a fresh file: no EXIF, no GPS, no maker notes
        data = out.getvalue()
        self.files.put_public(sha256, variant, data)
        return data
