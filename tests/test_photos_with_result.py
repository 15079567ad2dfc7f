"""A result and its C1 photos in one request (`multipart/form-data`): each photo checked as an upload is, one
operation however often it is retried, nothing kept of a refused one where the public could see it."""

import dataclasses
import hashlib
import io
import json

import pytest
from browser.live_server import serve
from conftest import CONTEST, EVERY_PHOTO_STORE, TPS, clean_result
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select
from test_bodies import connect, read_status
from test_photo_decoding import noisy_jpeg
from test_writer import worker  # noqa: F401 - the fixture

from rekap.store import tables


def jpeg(size=(64, 48), colour=(200, 30, 30)):
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()


def sha(data):
    return hashlib.sha256(data).hexdigest()


def send(client, token, parts, key=None, **submission):
    """POST the submission with its photos as parts; each of `parts`: bytes, or (bytes, content type)."""
    doc = {"tps": TPS, "contest": CONTEST, "result": clean_result()} | submission
    files = [("submission", (None, json.dumps(doc), "application/json"))]
    for p in parts:
        data, media = p if isinstance(p, tuple) else (p, "image/jpeg")
        files.append(("photo", ("c1.jpg", data, media)))
    headers = {"Authorization": f"Bearer {token}"} | ({"Idempotency-Key": key} if key else {})
    return client.post("/api/v1/submissions", files=files, headers=headers)


def photo_rows(rekap):
    with rekap.db.reader.connect() as conn:
        return list(conn.execute(select(tables.photos.c.sha256, tables.photos.c.uploaded_by)).all())


def log_length(rekap):
    with rekap.db.reader.connect() as conn:
        return conn.execute(select(func.count()).select_from(tables.log)).scalar_one()


def tps_photos(client):
    return [s["photos"] for r in client.get(f"/api/v1/tps/{TPS}").json()["results"] for s in r["submissions"]]


@EVERY_PHOTO_STORE
def test_a_result_sent_with_its_photo_lands_with_the_photo_on_the_tps_page(rekap, client, officer_token):
    data = noisy_jpeg((400, 300))
    r = send(client, officer_token, [data])
    assert r.status_code == 201, r.text
    assert r.json()["accepted"] and r.json()["tps"] == TPS
    assert tps_photos(client) == [[sha(data)]]
    token_id = rekap.tokens.authenticate(officer_token).id
    assert photo_rows(rekap) == [(sha(data), f"token:{token_id}")]
    assert sha(data) in client.get(f"/tps/{TPS}").text  # the public TPS page
    assert rekap.photos.copies.settle(30)
    view = client.get(f"/api/v1/photos/{sha(data)}?size=view")
    assert view.status_code == 200 and Image.open(io.BytesIO(view.content)).size == (400, 300)
    assert rekap.verify().ok


def test_photos_named_and_sent_are_the_named_ones_then_the_rest(client, officer_token):
    before, first, second = jpeg(colour=(1, 2, 3)), jpeg(colour=(40, 50, 60)), jpeg(colour=(90, 9, 9))
    put = client.put(f"/api/v1/photos/{sha(before)}", content=before,
                     headers={"Authorization": f"Bearer {officer_token}", "Content-Type": "image/jpeg"})  # fmt: skip
    assert put.status_code == 201
    r = send(client, officer_token, [first, second, first], photos=[sha(second), sha(before)])
    assert r.status_code == 201, r.text
    assert tps_photos(client) == [[sha(second), sha(before), sha(first)]]  # the same bytes twice: one photo


def test_a_named_photo_neither_sent_nor_uploaded_is_refused(rekap, client, officer_token):
    logged = log_length(rekap)
    r = send(client, officer_token, [jpeg()], photos=["a" * 64])
    assert r.status_code == 422 and r.json()["type"] == "/problems/photo-missing"
    assert photo_rows(rekap) == [] and log_length(rekap) == logged


@pytest.mark.parametrize("size", [(200, 150), (800, 600)])  # checked on the event loop, and in a thread
def test_a_truncated_photo_part_is_refused_and_nothing_is_stored(rekap, client, officer_token, size):
    logged = log_length(rekap)
    whole = noisy_jpeg(size)
    r = send(client, officer_token, [jpeg(), whole[: len(whole) * 2 // 3]])
    assert r.status_code == 422 and r.json()["type"] == "/problems/photo-not-an-image"
    assert r.json()["field"] == "photo[1]"
    assert photo_rows(rekap) == [] and log_length(rekap) == logged
    assert tps_photos(client) == []


def test_each_photo_part_is_checked_as_an_upload_is(client, officer_token):
    gif = io.BytesIO()
    Image.new("L", (10, 10)).save(gif, "GIF")
    r = send(client, officer_token, [(gif.getvalue(), "image/jpeg")])
    assert r.status_code == 415 and r.json()["type"] == "/problems/photo-unsupported-type"
    r = send(client, officer_token, [(jpeg(), "image/gif")])
    assert r.status_code == 415 and r.json()["field"] == "photo[0]"
    bomb = io.BytesIO()
    Image.new("1", (8000, 6000)).save(bomb, "PNG")
    r = send(client, officer_token, [(bomb.getvalue(), "image/png")])
    assert r.status_code == 422 and r.json()["type"] == "/problems/photo-too-many-pixels"
    second = Image.new("RGB", (160, 120), (9, 9, 9))
    mpo = noisy_jpeg((400, 300), fmt="MPO", save_all=True, append_images=[second])
    assert send(client, officer_token, [mpo]).status_code == 201  # a phone camera's JPEG with a second frame


def test_a_refused_result_leaves_no_photo_on_public_pages(rekap, client, officer_token):
    data = jpeg()
    broken = clean_result() | {"valid": 271}  # an officer's C1 that does not add up: refused
    r = send(client, officer_token, [data], result=broken)
    assert r.status_code == 422 and r.json()["type"] == "/problems/arithmetic-mismatch"
    r = send(client, officer_token, [data], result=clean_result() | {"voters": 5000})  # above the TPS's bound
    assert r.status_code == 422 and r.json()["type"] == "/problems/result-out-of-bounds"
    elsewhere = rekap.tokens.create("KPPS Seribu", "officer", "test", scope="31.01")[1]
    r = send(client, elsewhere, [data])
    assert r.status_code == 403
    assert photo_rows(rekap) == []
    assert client.get(f"/api/v1/photos/{sha(data)}").status_code == 404
    assert client.get(f"/api/v1/photos/{sha(data)}?size=thumb").status_code == 404
    assert tps_photos(client) == [] and sha(data) not in client.get(f"/tps/{TPS}").text
    assert rekap.verify().ok  # an original without a row is no photo of this instance
    assert send(client, officer_token, [data]).status_code == 201  # the same bytes later, with a good result
    assert tps_photos(client) == [[sha(data)]]


def test_the_same_idempotency_key_again_is_the_same_receipt_and_stores_nothing_twice(rekap, client, officer_token):
    data = jpeg()
    first = send(client, officer_token, [data], key="c1-photo-1")
    logged = log_length(rekap)
    again = send(client, officer_token, [data], key="c1-photo-1")
    assert first.status_code == 201 and again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true"
    assert {k: again.json()[k] for k in ("seq", "hash")} == {k: first.json()[k] for k in ("seq", "hash")}
    assert log_length(rekap) == logged and len(photo_rows(rekap)) == 1
    other = send(client, officer_token, [jpeg(colour=(0, 0, 0))], key="c1-photo-1")  # another body, the same key
    assert other.status_code == 409 and len(photo_rows(rekap)) == 1


def test_a_malformed_form_is_a_clear_client_error(rekap, client, officer_token):
    auth = {"Authorization": f"Bearer {officer_token}"}
    cases = [
        ("multipart/form-data", b"--x\r\n\r\n--x--"),  # no boundary in the Content-Type
        ("multipart/form-data; boundary=x", b"no boundary in here"),
        ("multipart/form-data; boundary=x", b'--x\r\nContent-Disposition: form-data; name="submission"\r\n\r\n{}'),
    ]
    for content_type, body in cases:
        r = client.post("/api/v1/submissions", content=body, headers=auth | {"Content-Type": content_type})
        assert r.status_code == 422 and r.json()["type"] == "/problems/invalid-input", r.text
    r = send(client, officer_token, [])
    assert r.status_code == 422 and r.json()["field"] == "photo"
    files = [("photo", ("c1.jpg", jpeg(), "image/jpeg"))]
    r = client.post("/api/v1/submissions", files=files, headers=auth)
    assert r.status_code == 422 and r.json()["field"] == "submission"
    files = [("submission", (None, '{"tps": 1}', "application/json")), *files]
    r = client.post("/api/v1/submissions", files=files, headers=auth)
    assert r.status_code == 422 and r.json()["field"] == "submission.tps"
    files = [("submission", (None, "{", "application/json")), ("extra", (None, "x"))]
    r = client.post("/api/v1/submissions", files=files, headers=auth)
    assert r.status_code == 422
    assert photo_rows(rekap) == []


def test_a_body_over_the_cap_is_refused_with_413(rekap, officer_token):
    rekap.settings = dataclasses.replace(rekap.settings, max_photo_bytes=2_000, max_body_bytes=1_000)
    rekap.photos.max_bytes = 2_000  # as an instance started with that setting has it
    client = TestClient(rekap.web_app())  # a cap of 20 photos × 2,000 bytes + 1,000 bytes of JSON
    r = send(client, officer_token, [noisy_jpeg((400, 300)) + b"\0" * 41_000])
    assert r.status_code == 413 and r.json()["type"] == "/problems/body-too-large"
    r = send(client, officer_token, [noisy_jpeg((120, 90))])  # under the whole cap, over the photo cap
    assert r.status_code == 413 and r.json()["type"] == "/problems/photo-too-large"
    r = send(client, officer_token, [jpeg()], reason="x" * 1_000)  # the JSON over its cap
    assert r.status_code == 413 and r.json()["field"] == "submission"
    assert photo_rows(rekap) == []


@pytest.fixture
def server(rekap):
    with serve(rekap.web_app()) as base:
        yield base


def _head(token, **headers):
    lines = ["POST /api/v1/submissions HTTP/1.1", "Host: x", "Content-Type: multipart/form-data; boundary=b"]
    lines += [f"Authorization: Bearer {token}"] if token else []
    lines += [f"{k.replace('_', '-')}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def test_a_wrong_token_is_refused_before_the_body_is_read(server):
    with connect(server) as sock:
        sock.sendall(_head("rk_guess", Content_Length=100_000_000))  # not one byte of the body follows
        assert read_status(sock)[0] == 401


def test_a_declared_body_over_the_cap_is_refused_before_it_is_sent(server, officer_token):
    with connect(server) as sock:
        sock.sendall(_head(officer_token, Content_Length=20 * 15 * 1024 * 1024 + 64 * 1024 + 1))
        status, head, _ = read_status(sock)
    assert status == 413 and "application/problem+json" in head


def test_a_worker_hands_the_photo_rows_to_the_machines_writer(rekap, worker, officer_token):  # noqa: F811
    client = TestClient(worker.web_app())
    data = noisy_jpeg((300, 200))
    r = send(client, officer_token, [data], key="via-writer")
    assert r.status_code == 201, r.text
    assert photo_rows(rekap) == [(sha(data), f"token:{rekap.tokens.authenticate(officer_token).id}")]
    assert send(client, officer_token, [data], key="via-writer").status_code == 200
    refused = send(client, officer_token, [jpeg()], result=clean_result() | {"valid": 1})
    assert refused.status_code == 422 and len(photo_rows(rekap)) == 1
    assert worker.photos.copies.settle(30)  # the worker, which has the bytes, made the copies
    assert rekap.files.read_public(sha(data), "thumb") is not None
    assert rekap.verify().ok


def test_an_officer_logged_in_sends_the_form_with_its_csrf_token_as_a_part(rekap, client):
    from rekap.services.people import CLI
    from tests.test_people_web import csrf_of, login

    rekap.people.create(CLI, "Ani", "officer", TPS, username="ani", password="rahasia1")
    assert login(client, "ani", "rahasia1") in (200, 303)
    files = [("submission", (None, json.dumps({"tps": TPS, "contest": CONTEST, "result": clean_result()}))),
             ("photo", ("c1.jpg", jpeg(), "image/jpeg"))]  # fmt: skip
    assert client.post("/api/v1/submissions", files=files).status_code == 403  # no token: refused
    r = client.post("/api/v1/submissions", files=[("csrf", (None, csrf_of(client))), *files])
    assert r.status_code == 201, r.text
    assert tps_photos(client) == [[sha(jpeg())]]
