"""Photos from anyone's token: decoding takes bounded memory, done once at upload; phone JPEGs (MPO) are taken,
truncated files refused at the door; the public sizes go down from "full" to a small one for phones."""

import hashlib
import io
import random
import threading
import time

import pytest
from PIL import Image

from rekap.domain.errors import PhotoNotImage
from rekap.services import photos as photo_service
from rekap.services.photos import PHOTO_VARIANTS, public_copies


def noisy_jpeg(size=(3000, 2000), fmt="JPEG", **kwargs):
    rnd = random.Random(7)
    small = Image.frombytes("RGB", (size[0] // 20, size[1] // 20), rnd.randbytes(size[0] // 20 * size[1] // 20 * 3))
    img = small.resize(size)  # photo-like: smooth areas and edges, not pure noise
    out = io.BytesIO()
    img.save(out, fmt, quality=90, **kwargs)
    return out.getvalue()


def put(client, token, data, content_type="image/jpeg"):
    sha = hashlib.sha256(data).hexdigest()
    return client.put(f"/api/v1/photos/{sha}", content=data,
                      headers={"Authorization": f"Bearer {token}", "Content-Type": content_type})


def test_a_truncated_jpeg_is_refused_at_upload_not_at_every_view(client, officer_token):
    whole = noisy_jpeg((800, 600))
    r = put(client, officer_token, whole[: len(whole) * 2 // 3])
    assert r.status_code == 422 and r.json()["type"] == "/problems/photo-not-an-image"


def test_an_mpo_from_a_phone_camera_is_a_jpeg(client, officer_token):
    second = Image.new("RGB", (160, 120), (9, 9, 9))
    data = noisy_jpeg((800, 600), fmt="MPO", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(data)).format == "MPO"
    r = put(client, officer_token, data)
    assert r.status_code == 201, r.text
    assert r.json()["media_type"] == "image/jpeg" and (r.json()["width"], r.json()["height"]) == (800, 600)
    view = client.get(f"/api/v1/photos/{r.json()['sha256']}?size=view")
    assert view.status_code == 200 and Image.open(io.BytesIO(view.content)).size == (800, 600)


def test_a_40_megapixel_png_that_would_take_gigabytes_to_decode_is_refused(client, officer_token):
    out = io.BytesIO()
    Image.new("1", (7000, 5600)).save(out, "PNG")  # 39.2 MP in a few kilobytes, under the 40 MP cap
    r = put(client, officer_token, out.getvalue(), content_type="image/png")
    assert r.status_code == 422 and r.json()["type"] == "/problems/photo-too-many-pixels"


def test_a_jpeg_over_the_decode_limit_is_decoded_at_a_fraction_of_its_size():
    copies = public_copies(noisy_jpeg((2000, 1500)), decode_pixels=1_000_000)
    assert max(Image.open(io.BytesIO(copies["full"])).size) <= 1000  # decoded at 1/2: never 3 MP in memory


def test_every_copy_is_made_at_upload_and_each_size_is_smaller(rekap, client, officer_token):
    r = put(client, officer_token, noisy_jpeg())
    sha = r.json()["sha256"]
    for variant in PHOTO_VARIANTS:
        assert rekap.files.public_path(sha, variant).exists()  # a first view decodes nothing
    sizes = {v: len(client.get(f"/api/v1/photos/{sha}?size={v}").content) for v in PHOTO_VARIANTS}
    assert sizes["full"] > sizes["view"] > sizes["small"] > sizes["thumb"], sizes
    assert max(Image.open(io.BytesIO(client.get(f"/api/v1/photos/{sha}?size=small").content)).size) == 720


def test_a_copy_removed_from_disk_is_made_again(rekap, client, officer_token):
    sha = put(client, officer_token, noisy_jpeg((800, 600))).json()["sha256"]
    rekap.files.public_path(sha, "view").unlink()
    assert client.get(f"/api/v1/photos/{sha}?size=view").status_code == 200
    assert rekap.files.public_path(sha, "view").exists()


def test_no_more_than_the_pool_decodes_at_once(rekap, monkeypatch):
    running, peak, lock = [0], [0], threading.Lock()
    real = photo_service.public_copies

    def counting(data, *args):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.02)  # long enough that unbounded threads would overlap; the bound holds regardless
        try:
            return real(data, *args)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(photo_service, "public_copies", counting)
    images = [noisy_jpeg((200 + i, 150)) for i in range(6)]
    threads = [threading.Thread(target=rekap.photos.put, args=(hashlib.sha256(d).hexdigest(), d, "image/jpeg", "t"))
               for d in images]  # fmt: skip
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert 1 <= peak[0] <= photo_service.DECODERS


def test_a_truncated_file_cannot_make_copies():
    whole = noisy_jpeg((400, 300))
    with pytest.raises(PhotoNotImage):
        public_copies(whole[:-200])
