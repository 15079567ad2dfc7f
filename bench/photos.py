"""Small C1 photos for the ingest benchmark: one real JPEG, made unique per TPS by a comment segment, sent with its
result in one multipart/form-data request."""

from __future__ import annotations

import hashlib
import io
import random
from functools import cache

from PIL import Image, ImageDraw


@cache
def _base() -> bytes:
    """A 480×360 JPEG of ruled lines and noise (about 25 KB: a thumbnail-sized phone upload)."""
    rng = random.Random(1)
    img = Image.new("L", (480, 360), 235)
    draw = ImageDraw.Draw(img)
    for y in range(20, 360, 18):
        draw.line((10, y, 470, y), fill=120)
    for _ in range(1500):
        draw.point((rng.randrange(480), rng.randrange(360)), fill=rng.randrange(256))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=60)
    return out.getvalue()


def photo_for(tps: str) -> tuple[str, bytes]:
    """(sha256, bytes) of a JPEG that no other TPS shares: a COM segment right after the SOI marker."""
    text = f"C1 {tps}".encode()
    data = _base()
    unique = data[:2] + b"\xff\xfe" + (len(text) + 2).to_bytes(2, "big") + text + data[2:]
    return hashlib.sha256(unique).hexdigest(), unique


BOUNDARY = "rekap-bench-c1"


def form_with_photo(submission: bytes, photo: bytes) -> tuple[str, bytes]:
    """(Content-Type, body) of POST /api/v1/submissions with the submission's JSON and one photo as its parts."""
    head = f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=".encode()
    body = b"".join([
        head, b'"submission"\r\nContent-Type: application/json\r\n\r\n', submission, b"\r\n",
        head, b'"photo"; filename="c1.jpg"\r\nContent-Type: image/jpeg\r\n\r\n', photo, b"\r\n",
        f"--{BOUNDARY}--\r\n".encode(),
    ])  # fmt: skip
    return f"multipart/form-data; boundary={BOUNDARY}", body
