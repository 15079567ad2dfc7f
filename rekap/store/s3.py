"""S3-compatible object storage (AWS, MinIO, Ceph, …): the one way rekap builds a client and names a target."""

from __future__ import annotations

from typing import Any

from rekap.domain.errors import InvalidInput

#: connections a client keeps: uploads of one group commit go out in parallel
MAX_CONNECTIONS = 32


def client(endpoint_url: str | None = None, what: str = "s3://") -> Any:
    """A boto3 client; credentials and region as for the AWS CLI (environment, ~/.aws, an instance role)."""
    try:
        import boto3
        from botocore.config import Config
    except ImportError as exc:
        raise InvalidInput(f"{what} needs boto3 (pip install 'rekap[s3]')", field="target") from exc
    return boto3.client("s3", endpoint_url=endpoint_url, config=Config(max_pool_connections=MAX_CONNECTIONS))


def split_url(url: str) -> tuple[str, str]:
    """`s3://bucket/prefix` → (bucket, prefix without slashes at its ends)."""
    bucket, _, prefix = url.removeprefix("s3://").partition("/")
    if not url.startswith("s3://") or not bucket:
        raise InvalidInput(f"an S3 target looks like s3://bucket/prefix, not {url!r}", field="target")
    return bucket, prefix.strip("/")


def is_missing(exc: Exception) -> bool:
    """botocore's ClientError for an absent key: S3 says NoSuchKey, a HEAD or some compatible stores a bare 404."""
    return getattr(exc, "response", {}).get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound")
