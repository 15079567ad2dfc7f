"""The snapshot publisher: a full publish, then the time to republish what a burst of results changed."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from rekap.bootstrap import Rekap
from rekap.services import snapshots


@dataclass(frozen=True)
class Timed:
    seconds: float
    files: int
    version: int


def timed_publish(rekap: Rekap, sink: snapshots.Sink, full: bool = False) -> Timed:
    t0 = time.monotonic()
    done = rekap.publisher.publish(sink, full)
    return Timed(time.monotonic() - t0, done.files, done.version)


@contextmanager
def moto_bucket(bucket: str) -> Iterator[snapshots.S3Sink]:
    """An S3 bucket on a moto server on loopback, with throw-away credentials."""
    import logging

    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's server logs every request

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        client = boto3.client(
            "s3", endpoint_url=f"http://{host}:{port}", region_name="us-east-1",
            aws_access_key_id="bench", aws_secret_access_key="bench",
        )  # fmt: skip
        client.create_bucket(Bucket=bucket)
        yield snapshots.S3Sink(bucket, "pemilu", client=client)
    finally:
        server.stop()
