"""Where photos are kept: a directory or an S3-compatible bucket (moto's server on loopback), shared by several
machines; uploads group-committed and acknowledged only once their originals are durable."""

import dataclasses
import hashlib
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from test_photo_decoding import noisy_jpeg, put

from rekap.bootstrap import Rekap
from rekap.settings import Settings
from rekap.store.photo_bucket import PhotoBucket
from rekap.store.photo_files import PhotoFiles


def test_the_store_is_chosen_in_the_settings():
    s = Settings.from_env({"REKAP_PHOTO_STORE": "s3://pemilu-c1/2024", "REKAP_S3_ENDPOINT_URL": "http://minio:9000"})
    assert (s.photo_target, s.s3_endpoint_url) == ("s3://pemilu-c1/2024", "http://minio:9000")
    assert Settings.from_env({}, data_dir="/srv/rekap").photo_target == Path("/srv/rekap/photos")


@pytest.mark.parametrize("photo_store", ["bucket"], indirect=True)
def test_two_machines_share_photos_through_the_bucket(rekap, client, officer_token, settings, tmp_path):
    assert isinstance(rekap.files, PhotoBucket)
    other = Rekap.open(dataclasses.replace(settings, data_dir=tmp_path / "other-machine"), create=False)
    try:
        there = TestClient(other.web_app())
        data = noisy_jpeg((900, 600))
        sha = put(client, officer_token, data).json()["sha256"]
        assert rekap.photos.copies.settle(30)
        here_view, there_view = client.get(f"/api/v1/photos/{sha}"), there.get(f"/api/v1/photos/{sha}")
        assert there_view.status_code == 200 and there_view.content == here_view.content
        assert there_view.headers["etag"] == here_view.headers["etag"]
        assert there_view.headers["cache-control"] == here_view.headers["cache-control"]

        rekap.photos.copies.stop()  # a photo whose copies are not made yet: the other machine makes them
        fresh = noisy_jpeg((640, 480))
        sha = put(client, officer_token, fresh).json()["sha256"]
        assert there.get(f"/api/v1/photos/{sha}?size=thumb").status_code == 200
        assert other.files.read_original(sha) == fresh
        assert client.get(f"/api/v1/photos/{sha}?size=thumb").status_code == 200
        assert not (tmp_path / "other-machine" / "photos").exists() and not settings.photo_dir.exists()
    finally:
        other.close()


def test_uploads_arriving_together_are_committed_together(rekap, monkeypatch):
    assert isinstance(rekap.files, PhotoFiles)
    batches, real = [], rekap.files.put_originals

    def slow_first(photos):
        batches.append(len(photos))
        if len(batches) == 1:
            time.sleep(0.3)  # the others arrive while the first batch is being written
        real(photos)

    monkeypatch.setattr(rekap.files, "put_originals", slow_first)
    images = [noisy_jpeg((120 + i, 90)) for i in range(12)]
    threads = [threading.Thread(target=rekap.photos.put, args=(hashlib.sha256(d).hexdigest(), d, "image/jpeg", "t"))
               for d in images]  # fmt: skip
    for t in threads:
        t.start()
        time.sleep(0.01)
    for t in threads:
        t.join(30)
    assert sum(batches) == 12 and len(batches) <= 3, batches
    assert all(rekap.photos.info(hashlib.sha256(d).hexdigest()) for d in images)


def test_an_upload_whose_original_is_not_stored_is_not_acknowledged(rekap, client, officer_token, monkeypatch):
    def full_disk(photos):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(rekap.files, "put_originals", full_disk)
    data = noisy_jpeg((300, 200))
    with pytest.raises(OSError):
        put(client, officer_token, data)
    assert rekap.photos.info(hashlib.sha256(data).hexdigest()) is None  # no row: a submission naming it is refused
