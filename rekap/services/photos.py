"""C1 photos: accepting uploads safely (type, size, pixel count, hash, decodable whole) and serving metadata-free
copies. An upload is acknowledged once its original is durable; its public copies are made after (photo_copies)."""

from __future__ import annotations

import asyncio
import hashlib
import io
import threading
import warnings
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from PIL import Image, ImageOps, UnidentifiedImageError

from rekap.domain.errors import (
    NotFound,
    PhotoHashMismatch,
    PhotoNotImage,
    PhotoTooLarge,
    PhotoTooManyPixels,
    PhotoUnsupportedType,
)
from rekap.services.photo_copies import Copies, in_child
from rekap.services.photo_uploads import Uploads
from rekap.store import photos as stored
from rekap.store.db import Database
from rekap.store.photo_files import PhotoStore
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
CHECK_ON_LOOP_BYTES, CHECK_ON_LOOP_PIXELS = 64 * 1024, 1_000_000  # a JPEG checked on the loop: ~0.3 ms
RECENT = 20_000  # hashes of photos this process recorded lately, kept in memory (about 4 MB)
DECODERS = 2  # images decoded at once in this process's requests: a burst of uploads or first views waits a turn


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


@contextmanager
def _decoded(data: bytes, decode_pixels: int, smallest: bool = False) -> Iterator[Image.Image]:
    """The image decoded whole and upright (a truncated file raises PhotoNotImage); a JPEG above `decode_pixels`
    (or, `smallest`, any JPEG) is decoded at 1/2, 1/4 or 1/8 scale, which its DCT allows and which still reads
    every byte of it."""
    try:
        with Image.open(io.BytesIO(data)) as original:
            if original.width * original.height > decode_pixels and original.format not in ("JPEG", "MPO"):
                raise PhotoTooManyPixels(
                    f"{original.width}×{original.height} {original.format} is more than {decode_pixels} pixels;"
                    " send a JPEG or a smaller image", field="body",
                )  # fmt: skip
            scale = 8 if smallest else 1
            while not smallest and original.width * original.height > decode_pixels * scale * scale and scale < 8:
                scale *= 2
            if scale > 1 and original.format in ("JPEG", "MPO"):
                original.draft("RGB", (max(1, original.width // scale), max(1, original.height // scale)))
            original.load()
            upright = ImageOps.exif_transpose(original)
            yield upright
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise PhotoNotImage(f"the image cannot be decoded whole ({exc}); send the complete file", field="body") from exc


def check_whole(data: bytes, decode_pixels: int = MAX_DECODE_PIXELS) -> None:
    """What public_copies would decode, decoded as cheaply as the format allows: a file that passes makes its
    copies later without fail, so it may be acknowledged before they are made."""
    with _decoded(data, decode_pixels, smallest=True):
        pass


def public_copies(data: bytes, decode_pixels: int = MAX_DECODE_PIXELS) -> dict[str, bytes]:
    """Every public copy of an original, decoded once: upright, metadata-free JPEGs."""
    with _decoded(data, decode_pixels) as image:
        upright = image.convert("RGB")
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
        self, db: Database, files: PhotoStore, max_bytes: int, max_pixels: int, decoders: int = DECODERS
    ) -> None:
        self.db, self.files = db, files
        self.max_bytes, self.max_pixels = max_bytes, max_pixels
        self._decoding = threading.BoundedSemaphore(decoders)
        self.copies = Copies(db, files, in_child)
        self._uploads = Uploads(db, files, self.recorded)
        #: photos this process recorded lately: the submission that names one most often comes right after
        self._recent: OrderedDict[str, None] = OrderedDict()
        self._recent_lock = threading.Lock()

    def recorded(self, hashes: list[str]) -> None:
        """These photos' rows were just committed (by an upload, or with the result they were sent with): known to
        this process, and their public copies queued."""
        with self._recent_lock:
            self._recent.update(dict.fromkeys(hashes))
            while len(self._recent) > RECENT:
                self._recent.popitem(last=False)
        self.copies.queue(hashes)

    def recorded_lately(self, hashes: Iterable[str]) -> set[str]:
        """Which of these photos this process recorded lately (the rest may still be in the database)."""
        with self._recent_lock:
            return {h for h in hashes if h in self._recent}

    def _inspected(self, data: bytes, declared_type: str | None, sha256: str | None = None) -> PhotoInfo:
        """Size, hash and header: what the photo says it is, before any pixel is decoded (`sha256`: the hash it was
        sent under, which its bytes must have)."""
        if len(data) > self.max_bytes:
            raise PhotoTooLarge(f"{len(data)} bytes; at most {self.max_bytes}", field="body")
        actual = hashlib.sha256(data).hexdigest()
        if sha256 is not None and actual != sha256:
            raise PhotoHashMismatch(f"body hashes to {actual}", field="sha256")
        media_type, width, height = inspect_image(data, declared_type, self.max_pixels)
        return PhotoInfo(actual, media_type, len(data), width, height)

    def _decodes(self, data: bytes) -> None:
        with self._decoding:
            check_whole(data)

    def _checked(self, data: bytes, declared_type: str | None, sha256: str | None = None) -> PhotoInfo:
        info = self._inspected(data, declared_type, sha256)
        self._decodes(data)
        return info

    def put(self, sha256: str, data: bytes, declared_type: str | None, actor: str) -> tuple[PhotoInfo, bool]:
        """Store the original bytes under their hash; (info, created). Same bytes again → same info."""
        info = self._checked(data, declared_type, sha256.lower())
        return info, self._uploads.submit(info, data, actor).result()

    async def check_async(self, data: bytes, declared_type: str | None, sha256: str | None = None) -> PhotoInfo:
        """Every check of an upload, for the event loop. A small JPEG is checked here (hashed and decoded at 1/8 in
        a fraction of a millisecond and of a megabyte: handing it to a thread would cost more), anything else in a
        thread, within the decoding pool."""
        if len(data) > CHECK_ON_LOOP_BYTES:
            return await asyncio.to_thread(self._checked, data, declared_type, sha256)
        info = self._inspected(data, declared_type, sha256)
        if info.media_type == "image/jpeg" and info.width * info.height <= CHECK_ON_LOOP_PIXELS:
            check_whole(data)
        else:
            await asyncio.to_thread(self._decodes, data)
        return info

    async def put_async(
        self, sha256: str, data: bytes, declared_type: str | None, actor: str
    ) -> tuple[PhotoInfo, bool]:
        """`put` for the event loop: the checks, then the group commit awaited without a thread."""
        info = await self.check_async(data, declared_type, sha256.lower())
        return info, await asyncio.wrap_future(self._uploads.submit(info, data, actor))

    async def keep_originals_async(self, photos: Sequence[tuple[PhotoInfo, bytes]]) -> None:
        """Make checked photos' originals durable, in the uploads' group commit, without their rows: those go into
        the transaction of the entry that names them (a result sent with its photos)."""
        waiting = [self._uploads.submit(info, data, None) for info, data in photos]
        for durable in waiting:
            await asyncio.wrap_future(durable)

    def info(self, sha256: str) -> PhotoInfo | None:
        with self.db.reader.connect() as conn:
            return stored.info(conn, sha256)

    def public_copy(self, sha256: str, variant: str = "view") -> bytes:
        """A JPEG re-encoded from the original: upright, at most PHOTO_VARIANTS[variant] px, with no metadata."""
        if variant not in PHOTO_VARIANTS:
            raise NotFound(f"no photo size {variant!r}; use one of {', '.join(PHOTO_VARIANTS)}", field="size")
        data = self.files.read_public(sha256, variant)
        if data is not None:
            return data
        original = self.files.read_original(sha256) if self.info(sha256) is not None else None
        if original is None:
            raise NotFound(f"no photo {sha256}", field="sha256")
        # its copies are not made yet (uploaded a moment ago, or the copy was removed): made for this view, in
        # this process's decoding pool, so a citizen sees the photo rather than a placeholder
        with self._decoding:
            copies = public_copies(original)
        self.files.put_public_copies(sha256, copies)
        return copies[variant]

    def resume(self) -> None:
        """Make the copies an instance stopped before making (at start, in the process that writes)."""
        with self.db.reader.connect() as conn:
            self.copies.queue(stored.not_copied(conn))

    def stop(self) -> None:
        self.copies.stop()
