"""Shared fixtures: every storage test runs on SQLite and on a throw-away PostgreSQL database."""

from __future__ import annotations

import csv
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient

from rekap.bootstrap import Rekap
from rekap.demo.simulate import DATA
from rekap.settings import Settings
from rekap.store import s3
from rekap.store.db import connect, migrate
from rekap.store.photo_bucket import PhotoBucket
from rekap.store.photo_files import PhotoFiles, PhotoStore

PG_ADMIN = os.environ.get("REKAP_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
CONTEST = "gubernur-dki-2017-r2"
KELURAHAN = "31.71.01.1001"  # Gambir, Jakarta Pusat
TPS = f"{KELURAHAN}-001"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The browser tests share one server and one browser: they all run on the same worker. A photo test in a
    bucket runs on SQLite only: where the rows are does not change where the bytes go."""
    for item in items:
        if item.path.parent.name == "browser":
            item.add_marker(pytest.mark.xdist_group("browser"))
    params = [getattr(getattr(item, "callspec", None), "params", {}) for item in items]
    twice = [p.get("photo_store") == "bucket" and p.get("db_url") == "postgresql" for p in params]
    if any(twice):
        config.hook.pytest_deselected(items=[item for item, skip in zip(items, twice, strict=True) if skip])
        items[:] = [item for item, skip in zip(items, twice, strict=True) if not skip]


def _pg_exec(sql: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql)


def _pg_url(name: str) -> str:
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def template_dbs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Migrated once per run; each test gets a copy (a file copy or CREATE DATABASE … TEMPLATE)."""
    sqlite_file = tmp_path_factory.mktemp("tmpl") / "template.sqlite3"
    db = connect(f"sqlite:///{sqlite_file}")
    migrate(db)
    db.dispose()
    pg_name = f"rekap_tmpl_{uuid.uuid4().hex[:10]}"
    _pg_exec(f"CREATE DATABASE {pg_name}")
    db = connect(_pg_url(pg_name))
    migrate(db)
    db.dispose()
    yield {"sqlite": str(sqlite_file), "postgresql": pg_name}
    _pg_exec(f"DROP DATABASE IF EXISTS {pg_name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, template_dbs: dict[str, str], tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        target = tmp_path / "rekap.sqlite3"
        shutil.copy(template_dbs["sqlite"], target)
        yield f"sqlite:///{target}"
        return
    name = f"rekap_t_{uuid.uuid4().hex[:12]}"
    _pg_exec(f"CREATE DATABASE {name} TEMPLATE {template_dbs['postgresql']}")
    yield _pg_url(name)
    _pg_exec(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """One S3-compatible server (moto's) on loopback for the whole run."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A new bucket on the test server, with the dummy credentials it takes set for this test only."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "test")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    bucket = f"rekap-{uuid.uuid4().hex[:12]}"
    s3.client(s3_endpoint).create_bucket(Bucket=bucket)
    return bucket


@pytest.fixture
def photo_store(request: pytest.FixtureRequest) -> tuple[str, str | None]:
    """(REKAP_PHOTO_STORE, REKAP_S3_ENDPOINT_URL): the data dir's photos/ ("directory", the default) or a bucket on
    the test server ("bucket"); a test runs on both with @EVERY_PHOTO_STORE."""
    if getattr(request, "param", "directory") == "directory":
        return "", None
    endpoint, bucket = request.getfixturevalue("s3_endpoint"), request.getfixturevalue("s3_bucket")
    return f"s3://{bucket}/photos", endpoint


EVERY_PHOTO_STORE = pytest.mark.parametrize("photo_store", ["directory", "bucket"], indirect=True)


@pytest.fixture
def settings(db_url: str, tmp_path: Path, photo_store: tuple[str, str | None]) -> Settings:
    # most stories submit numbers without photos (tests/test_people_forms.py checks the photo rule); cheap Argon2id
    return Settings(
        data_dir=tmp_path / "data", database_url=db_url, photo_required_from=frozenset(), argon2_memory_kib=1024,
        photo_store=photo_store[0], s3_endpoint_url=photo_store[1],
    )  # fmt: skip


def put_object(files: PhotoStore, sha: str, data: bytes, variant: str | None = None) -> None:
    """Someone with write access to the photo store replaces an original (or, given a variant, a public copy)."""
    if isinstance(files, PhotoBucket):
        key = files.public_key(sha, variant) if variant else files.original_key(sha)
        files.client.put_object(Bucket=files.bucket, Key=key, Body=data)
    else:
        assert isinstance(files, PhotoFiles)
        (files.public_path(sha, variant) if variant else files.original_path(sha)).write_bytes(data)


def delete_object(files: PhotoStore, sha: str, variant: str | None = None) -> None:
    if isinstance(files, PhotoBucket):
        key = files.public_key(sha, variant) if variant else files.original_key(sha)
        files.client.delete_object(Bucket=files.bucket, Key=key)
    else:
        assert isinstance(files, PhotoFiles)
        (files.public_path(sha, variant) if variant else files.original_path(sha)).unlink()


@pytest.fixture
def empty(settings: Settings) -> Iterator[Rekap]:
    rekap = Rekap.open(settings, create=False)
    yield rekap
    rekap.close()


def small_tps_file(directory: Path, kelurahan_prefixes: tuple[str, ...] = ("31.71.01", "31.01.01")) -> Path:
    """The real TPS rows of a few kecamatan: enough for a story, quick to import."""
    out = directory / "tps_small.csv"
    with (DATA / "tps_round1.csv").open(encoding="utf-8") as src, out.open("w", newline="", encoding="utf-8") as dst:
        reader = csv.DictReader(src)
        writer = csv.DictWriter(dst, fieldnames=reader.fieldnames or [])
        writer.writeheader()
        for row in reader:
            if row["kecamatan_code"].startswith(kelurahan_prefixes):
                writer.writerow(row)
    return out


@pytest.fixture
def rekap(empty: Rekap, tmp_path: Path) -> Rekap:
    """DKI regions, the real TPS of two kecamatan, and the 2017 governor contest."""
    empty.imports.regions(DATA / "wilayah_dki.csv", "test")
    empty.imports.tps(small_tps_file(tmp_path), "test")
    empty.imports.election(DATA / "pilkada_dki2017_r2.toml", "test")
    return empty


@pytest.fixture
def client(rekap: Rekap) -> TestClient:
    return TestClient(rekap.web_app())


@pytest.fixture
def officer_token(rekap: Rekap) -> str:
    return rekap.tokens.create("KPPS test", "officer", "test")[1]


@pytest.fixture
def admin_token(rekap: Rekap) -> str:
    return rekap.tokens.create("admin test", "admin", "test")[1]


def clean_result(dpt: int = 598, votes: tuple[int, int] = (120, 150), invalid: int = 5) -> dict[str, object]:
    valid = sum(votes)
    used = valid + invalid
    return {"votes": {"2": votes[0], "3": votes[1]}, "valid": valid, "invalid": invalid, "used": used,
            "unused": dpt + 16 - used, "damaged": 0, "dpt": dpt, "dptb": 0, "dpk": 0, "voters": used}
