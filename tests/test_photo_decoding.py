"""Photos from anyone's token: decoding takes bounded memory; the copies are made once, after the upload is
acknowledged, or for a first view that comes before; phone JPEGs (MPO) are taken, truncated files refused at the
door; the public sizes go down from "full" to a small one for phones."""

import hashlib
import io
import random
import threading
import time

import pytest
from conftest import EVERY_PHOTO_STORE, delete_object
from PIL import Image
from sqlalchemy import select

from rekap.bootstrap import Rekap
from rekap.domain.errors import PhotoNotImage
from rekap.services import photos as photo_service
from rekap.services.photos import PHOTO_VARIANTS, public_copies
from rekap.store import tables


def noisy_jpeg(size=(3000, 2000), fmt="JPEG", **kwargs):
    rnd = random.Random(7)
    small = Image.frombytes("RGB", (size[0] // 20, size[1] // 20), rnd.randbytes(size[0] // 20 * size[1] // 20 * 3))
    img = small.resize(size)  # photo-like: smooth areas and edges, not pure noise
    out = io.BytesIO()
    img.save(out, fmt, quality=90, **kwargs)
    return out.getvalue()


def not_copied(rekap):
    with rekap.db.reader.connect() as conn:
        return list(conn.execute(select(tables.photos.c.sha256).where(tables.photos.c.copied_at.is_(None))).scalars())


def put(client, token, data, content_type="image/jpeg"):
    sha = hashlib.sha256(data).hexdigest()
    return client.put(f"/api/v1/photos/{sha}", content=data,
                      headers={"Authorization": f"Bearer {token}", "Content-Type": content_type})


@pytest.mark.parametrize("size", [(200, 150), (800, 600)])  # checked on the event loop, and in a thread
def test_a_truncated_jpeg_is_refused_at_upload_not_at_every_view(client, officer_token, size):
    whole = noisy_jpeg(size)
    r = put(client, officer_token, whole[: len(whole) * 2 // 3])
    assert r.status_code == 422 and r.json()["type"] == "/problems/photo-not-an-image"


@EVERY_PHOTO_STORE
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


@EVERY_PHOTO_STORE
def test_every_copy_is_made_after_the_upload_and_each_size_is_smaller(rekap, client, officer_token):
    r = put(client, officer_token, noisy_jpeg())
    sha = r.json()["sha256"]
    assert rekap.photos.copies.settle(30)
    for variant in PHOTO_VARIANTS:
        assert rekap.files.read_public(sha, variant) is not None  # a first view decodes nothing
    assert not_copied(rekap) == []
    sizes = {v: len(client.get(f"/api/v1/photos/{sha}?size={v}").content) for v in PHOTO_VARIANTS}
    assert sizes["full"] > sizes["view"] > sizes["small"] > sizes["thumb"], sizes
    assert max(Image.open(io.BytesIO(client.get(f"/api/v1/photos/{sha}?size=small").content)).size) == 720


@EVERY_PHOTO_STORE
def test_a_photo_viewed_before_its_copies_are_made_is_shown_made_for_that_view(rekap, client, officer_token):
    rekap.photos.copies.stop()  # the copies of this upload wait (as behind a burst of uploads)
    data = noisy_jpeg((800, 600))
    sha = put(client, officer_token, data).json()["sha256"]
    assert rekap.files.read_public(sha, "view") is None and not_copied(rekap) == [sha]
    view = client.get(f"/api/v1/photos/{sha}?size=view")
    assert view.status_code == 200 and Image.open(io.BytesIO(view.content)).size == (800, 600)
    assert view.content == public_copies(data)["view"] and "immutable" in view.headers["cache-control"]
    assert rekap.files.read_public(sha, "thumb") is not None  # every size made once, for the next view
    assert rekap.verify().ok


@EVERY_PHOTO_STORE
def test_a_restart_makes_the_copies_a_stopped_instance_did_not(rekap, client, officer_token, settings):
    rekap.photos.copies.stop()
    sha = put(client, officer_token, noisy_jpeg((400, 300))).json()["sha256"]
    report = rekap.verify()
    assert report.ok and report.copies_pending == len(PHOTO_VARIANTS)
    again = Rekap.open(settings, create=False)
    try:
        again.photos.resume()
        assert again.photos.copies.settle(30)
        assert not_copied(again) == [] and again.files.read_public(sha, "full") is not None
        assert again.verify().copies_pending == 0
    finally:
        again.close()


@EVERY_PHOTO_STORE
def test_a_copy_removed_from_the_store_is_made_again(rekap, client, officer_token):
    sha = put(client, officer_token, noisy_jpeg((800, 600))).json()["sha256"]
    assert rekap.photos.copies.settle(30)
    delete_object(rekap.files, sha, "view")
    assert rekap.verify().copies_missing == [f"{sha} view"]  # marked made: a removed copy is missing
    assert client.get(f"/api/v1/photos/{sha}?size=view").status_code == 200
    assert rekap.files.read_public(sha, "view") is not None


def test_no_more_than_the_pool_decodes_at_once_in_requests(rekap, monkeypatch):
    running, peak, lock = [0], [0], threading.Lock()
    real = photo_service.check_whole

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

    monkeypatch.setattr(photo_service, "check_whole", counting)
    images = [noisy_jpeg((200 + i, 150)) for i in range(6)]
    threads = [threading.Thread(target=rekap.photos.put, args=(hashlib.sha256(d).hexdigest(), d, "image/jpeg", "t"))
               for d in images]  # fmt: skip
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert 1 <= peak[0] <= photo_service.DECODERS


def test_the_check_at_upload_refuses_what_the_copies_could_not_decode():
    whole = noisy_jpeg((400, 300), progressive=True)
    photo_service.check_whole(whole)
    with pytest.raises(PhotoNotImage):
        photo_service.check_whole(whole[:-200])


def test_a_truncated_file_cannot_make_copies():
    whole = noisy_jpeg((400, 300))
    with pytest.raises(PhotoNotImage):
        public_copies(whole[:-200])
