"""C1 photos: accepting uploads safely (type, size, pixel count, hash) and serving metadata-free copies."""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select

from rekap.domain.errors import (
    NotFound,
    PhotoHashMismatch,
    PhotoNotImage,
    PhotoTooLarge,
    PhotoTooManyPixels,
    PhotoUnsupportedType,
)
from rekap.domain.log import now_iso
from rekap.services.context import Context
from rekap.store import tables as t

ACCEPTED_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
VARIANTS = {"full": 2400, "view": 1400, "thumb": 320}


@dataclass(frozen=True)
class PhotoInfo:
    sha256: str
    media_type: str
    size: int
    width: int
    height: int


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


def put_photo(ctx: Context, sha256: str, data: bytes, declared_type: str | None, actor: str) -> tuple[PhotoInfo, bool]:
    """Store the original bytes under their hash; (info, created). Same bytes again → same info."""
    sha256 = sha256.lower()
    if len(data) > ctx.settings.max_photo_bytes:
        raise PhotoTooLarge(f"{len(data)} bytes; at most {ctx.settings.max_photo_bytes}", field="body")
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256:
        raise PhotoHashMismatch(f"body hashes to {actual}", field="sha256")
    existing = photo_info(ctx, sha256)
    if existing is not None:
        return existing, False
    media_type, width, height = inspect_image(data, declared_type, ctx.settings.max_photo_pixels)
    ctx.photos.put_original(sha256, data)
    info = PhotoInfo(sha256, media_type, len(data), width, height)
    with ctx.db.writer.begin() as conn:
        if conn.execute(select(t.photos.c.sha256).where(t.photos.c.sha256 == sha256)).first() is None:
            conn.execute(
                t.photos.insert(),
                {
                    "sha256": sha256,
                    "media_type": media_type,
                    "size": len(data),
                    "width": width,
                    "height": height,
                    "uploaded_at": now_iso(),
                    "uploaded_by": actor,
                },
            )
    return info, True


def photo_info(ctx: Context, sha256: str) -> PhotoInfo | None:
    with ctx.db.reader.connect() as conn:
        row = conn.execute(select(t.photos).where(t.photos.c.sha256 == sha256)).first()
    return PhotoInfo(row.sha256, row.media_type, row.size, row.width, row.height) if row else None


def known_photos(ctx: Context, hashes: list[str]) -> set[str]:
    if not hashes:
        return set()
    with ctx.db.reader.connect() as conn:
        rows = conn.execute(select(t.photos.c.sha256).where(t.photos.c.sha256.in_(hashes))).all()
    return {r.sha256 for r in rows}


def public_photo(ctx: Context, sha256: str, variant: str = "view") -> bytes:
    """A JPEG re-encoded from the original: upright, at most VARIANTS[variant] px, with no EXIF/metadata."""
    if variant not in VARIANTS:
        raise NotFound(f"no photo size {variant!r}; use one of {', '.join(VARIANTS)}", field="size")
    path = ctx.photos.public_path(sha256, variant)
    if path.exists():
        return path.read_bytes()
    if photo_info(ctx, sha256) is None or not ctx.photos.has(sha256):
        raise NotFound(f"no photo {sha256}", field="sha256")
    with Image.open(io.BytesIO(ctx.photos.read_original(sha256))) as original:
        upright = ImageOps.exif_transpose(original).convert("RGB")
    upright.thumbnail((VARIANTS[variant], VARIANTS[variant]))
    out = io.BytesIO()
    upright.save(out, "JPEG", quality=82, optimize=True)  # a fresh file: no EXIF, no GPS, no maker notes
    data = out.getvalue()
    ctx.photos.put_public(sha256, variant, data)
    return data
