"""C1 photos: accepting uploads safely (type, size, pixel count, hash) and serving metadata-free copies."""

from __future__ import annotations

import hashlib
import io
import threading
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

#: MPO is the JPEG with a second (depth or preview) frame that many phone cameras write: its first frame is the photo
ACCEPTED_TYPES = {"JPEG": "image/jpeg", "MPO": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
#: the longest side of each public copy of a photo in pixels, and its JPEG quality: "view" on the TPS page,
#: "small" for phones, "thumb" in lists, "full" to read a blurred digit
PHOTO_VARIANTS = {"full": 2400, "view": 1280, "small": 720, "thumb": 320}
QUALITY = {"full": 82, "view": 75, "small": 70, "thumb": 70}
REUSE_ABOVE = 0.8  # a copy that would keep 80 % of the larger one's side is that one (no second, worse encode)
#: pixels decoded at most to make the copies: a JPEG above is decoded at 1/2, 1/4 or 1/8 scale (its DCT allows
#: it), a PNG or WebP above is refused at upload; with the decoding pool this bounds the memory photos take
MAX_DECODE_PIXELS = 16_000_000
DECODERS = 2  # images decoded at once in this process: a burst of uploads or first views waits for a turn


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


def public_copies(data: bytes, decode_pixels: int = MAX_DECODE_PIXELS) -> dict[str, bytes]:
    """Every public copy of an original, decoded once: upright, metadata-free JPEGs. Decoding the whole image here
    is also the check that it is complete: a truncated file raises PhotoNotImage (it would fail every view)."""
    try:
        with Image.open(io.BytesIO(data)) as original:
            if original.width * original.height > decode_pixels:
                if original.format not in ("JPEG", "MPO"):
                    raise PhotoTooManyPixels(
                        f"{original.width}×{original.height} {original.format} is more than {decode_pixels} pixels;"
                        " send a JPEG or a smaller image", field="body",
                    )  # fmt: skip
                scale = 2
                while original.width * original.height > decode_pixels * scale * scale and scale < 8:
                    scale *= 2
                original.draft("RGB", (original.width // scale, original.height // scale))
            original.load()
            upright = ImageOps.exif_transpose(original).convert("RGB")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise PhotoNotImage(f"the image cannot be decoded whole ({exc}); send the complete file", field="body") from exc
    copies: dict[str, bytes] = {}
    previous: tuple[tuple[int, int], bytes] | None = None
    for variant, box in sorted(PHOTO_VARIANTS.items(), key=lambda kv: -kv[1]):
        if previous is not None and box >= max(previous[0]) * REUSE_ABOVE:
            copies[variant] = previous[1]  # a small original: "view" is "full", not a second, worse encoding
            continue
        upright.thumbnail((box, box))  # largest first: each copy is reduced from the one before
        out = io.BytesIO()
        upright.save(out, "JPEG", quality=QUALITY[variant], optimize=True)  # a fresh file: no EXIF, no GPS
        copies[variant] = out.getvalue()
        previous = (upright.size, copies[variant])
    return copies


class Photos:
    def __init__(
        self, db: Database, files: PhotoFiles, max_bytes: int, max_pixels: int, decoders: int = DECODERS
    ) -> None:
        self.db, self.files = db, files
        self.max_bytes, self.max_pixels = max_bytes, max_pixels
        self._decoding = threading.BoundedSemaphore(decoders)

    def _copies(self, data: bytes) -> dict[str, bytes]:
        with self._decoding:
            return public_copies(data)

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
        copies = self._copies(data)  # once, here: a view is then a file read, whoever asks and how often
        self.files.put_original(sha256, data)
        self.files.put_public_copies(sha256, copies)
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
        # a photo stored before the copies were made at upload (or whose copy was removed): made now, once
        copies = self._copies(self.files.read_original(sha256))
        self.files.put_public_copies(sha256, copies)
        return copies[variant]
