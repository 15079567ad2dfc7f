"""Photos in an S3-compatible bucket, the way several rekap machines share them: `<prefix>/original/ab/cd/<sha256>`
and `<prefix>/public/ab/cd/<sha256>.<variant>.jpg`, the same names as on disk."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from rekap.store import s3

IMMUTABLE = "public, max-age=31536000, immutable"  # content-addressed: a key's bytes never change


def _place(kind: str, sha256: str, suffix: str = "") -> str:
    return f"{kind}/{sha256[:2]}/{sha256[2:4]}/{sha256}{suffix}"


class PhotoBucket:
    def __init__(self, bucket: str, prefix: str, client: Any) -> None:
        self.bucket, self.prefix, self.client = bucket, prefix.strip("/"), client
        # boto3 clients are thread-safe: the uploads of one group commit go out together
        self._uploading = ThreadPoolExecutor(max_workers=s3.MAX_CONNECTIONS, thread_name_prefix="photo-s3")

    def _key(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    def original_key(self, sha256: str) -> str:
        return self._key(_place("original", sha256))

    def public_key(self, sha256: str, variant: str) -> str:
        return self._key(_place("public", sha256, f".{variant}.jpg"))

    def _put(self, key: str, data: bytes, content_type: str) -> None:
        # put_object returns once the store holds the object durably: only then is an upload acknowledged
        self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type, CacheControl=IMMUTABLE)

    def _get(self, key: str) -> bytes | None:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()  # type: ignore[no-any-return]
        except Exception as exc:
            if s3.is_missing(exc):
                return None
            raise

    def put_originals(self, photos: Sequence[tuple[str, bytes]]) -> None:
        unique = dict(photos)
        puts = [self._uploading.submit(self._put, self.original_key(sha), data, "application/octet-stream")
                for sha, data in unique.items()]  # fmt: skip
        for put in puts:
            put.result()

    def read_original(self, sha256: str) -> bytes | None:
        return self._get(self.original_key(sha256))

    def put_public_copies(self, sha256: str, copies: Mapping[str, bytes]) -> None:
        puts = [self._uploading.submit(self._put, self.public_key(sha256, v), data, "image/jpeg")
                for v, data in copies.items()]  # fmt: skip
        for put in puts:
            put.result()

    def read_public(self, sha256: str, variant: str) -> bytes | None:
        return self._get(self.public_key(sha256, variant))
