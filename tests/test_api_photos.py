"""C1 photo upload: idempotent, hash-checked, type/size/pixel limits; public copies carry no EXIF."""

import hashlib
import io

import pytest
from conftest import CONTEST, EVERY_PHOTO_STORE, TPS, clean_result
from PIL import Image


def image_bytes(fmt="JPEG", size=(64, 48), exif=False, mode="RGB"):
    img = Image.new(mode, size, 1 if mode in ("L", "1") else (200, 30, 30))
    out = io.BytesIO()
    kwargs = {}
    if exif:
        ex = Image.Exif()
        ex[0x010F] = "PhoneMaker"  # Make
        ex[0x0131] = "secret-software"  # Software
        kwargs["exif"] = ex.tobytes()
    img.save(out, fmt, **kwargs)
    return out.getvalue()


def put(client, token, data, sha=None, content_type="image/jpeg"):
    sha = sha or hashlib.sha256(data).hexdigest()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": content_type}
    return client.put(f"/api/v1/photos/{sha}", content=data, headers=headers)


@EVERY_PHOTO_STORE
def test_upload_is_idempotent(client, officer_token):
    data = image_bytes()
    first, again = put(client, officer_token, data), put(client, officer_token, data)
    assert first.status_code == 201 and again.status_code == 200
    assert first.json() == again.json()
    assert first.json()["media_type"] == "image/jpeg" and first.json()["width"] == 64


@EVERY_PHOTO_STORE
@pytest.mark.parametrize(("fmt", "media"), [("PNG", "image/png"), ("WEBP", "image/webp")])
def test_png_and_webp_accepted(client, officer_token, fmt, media):
    r = put(client, officer_token, image_bytes(fmt), content_type=media)
    assert r.status_code == 201 and r.json()["media_type"] == media


def test_upload_needs_a_token(client):
    data = image_bytes()
    r = client.put(f"/api/v1/photos/{hashlib.sha256(data).hexdigest()}", content=data)
    assert r.status_code == 401


def test_wrong_hash_is_rejected(client, officer_token):
    r = put(client, officer_token, image_bytes(), sha="0" * 64)
    assert r.status_code == 422 and r.json()["type"] == "/problems/photo-hash-mismatch"


def test_non_image_is_rejected(client, officer_token):
    r = put(client, officer_token, b"%PDF-1.4 not a photo at all")
    assert r.status_code == 422 and r.json()["type"] == "/problems/photo-not-an-image"


def test_other_image_types_are_rejected(client, officer_token):
    r = put(client, officer_token, image_bytes("GIF", mode="L"), content_type="image/jpeg")
    assert r.status_code == 415 and r.json()["type"] == "/problems/photo-unsupported-type"
    r = put(client, officer_token, image_bytes(), content_type="image/gif")
    assert r.status_code == 415


def test_file_over_15_mb_is_rejected(client, officer_token):
    data = image_bytes() + b"\0" * (15 * 1024 * 1024)
    r = put(client, officer_token, data)
    assert r.status_code == 413 and r.json()["type"] == "/problems/photo-too-large"


def test_decompression_bomb_is_rejected_before_decoding(client, officer_token):
    data = image_bytes("PNG", size=(8000, 6000), mode="1")  # 48 megapixels in a few kilobytes
    assert len(data) < 100_000
    r = put(client, officer_token, data, content_type="image/png")
    assert r.status_code == 422 and r.json()["type"] == "/problems/photo-too-many-pixels"


@EVERY_PHOTO_STORE
def test_public_copy_is_reencoded_without_exif(client, officer_token):
    data = image_bytes(exif=True, size=(800, 600))
    assert b"secret-software" in data
    sha = put(client, officer_token, data).json()["sha256"]
    r = client.get(f"/api/v1/photos/{sha}")
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    assert b"secret-software" not in r.content and b"PhoneMaker" not in r.content
    assert not Image.open(io.BytesIO(r.content)).getexif()
    assert "immutable" in r.headers["cache-control"]
    thumb = client.get(f"/api/v1/photos/{sha}?size=thumb")
    assert max(Image.open(io.BytesIO(thumb.content)).size) == 320


@EVERY_PHOTO_STORE
def test_unknown_photo_is_404(client):
    r = client.get(f"/api/v1/photos/{'a' * 64}")
    assert r.status_code == 404 and r.json()["type"] == "/problems/not-found"


@EVERY_PHOTO_STORE
def test_submission_with_uploaded_photo_lists_it(client, officer_token):
    sha = put(client, officer_token, image_bytes()).json()["sha256"]
    r = client.post("/api/v1/submissions", json={"tps": TPS, "contest": CONTEST, "result": clean_result(),
                                                 "photos": [sha]},
                    headers={"Authorization": f"Bearer {officer_token}"})
    assert r.status_code == 201
    assert client.get(f"/api/v1/tps/{TPS}").json()["results"][0]["submissions"][0]["photos"] == [sha]
