"""Publishing public totals as versioned static JSON (one file per region × contest) for a CDN to serve.

Layout under the target (a directory or an S3 bucket/prefix):
    totals/<contest>/<region>/<last_seq>.json   TotalsOut, as the API serves it; never changes again
    versions/<version>.json                      which totals files that version added
    current.json                                 the small pointer: version (= log seq), contests, roots

A totals file is named by its own `last_seq`, and each file lists its children with theirs, so a reader
goes from current.json down the tree and every file but the pointer can be cached forever. A publish
writes only the totals whose `last_seq` is newer than the version in the pointer, then the pointer last.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Connection, select

from rekap.domain.errors import InvalidInput
from rekap.domain.fold import Totals
from rekap.domain.log import now_iso
from rekap.domain.regions import Region
from rekap.services import queries
from rekap.services.context import Context
from rekap.services.readmodel import RegionTree
from rekap.store import tables as t

POINTER = "current.json"
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=2"
#: Above this many regions a contest's totals are read whole rather than by IN lists.
READ_ALL_ABOVE = 20_000
Progress = Callable[[int, int], None]


def totals_key(contest: str, region: str, last_seq: int) -> str:
    return f"totals/{contest}/{region}/{last_seq}.json"


class Sink(Protocol):
    def read(self, key: str) -> bytes | None: ...

    def write(self, files: list[tuple[str, bytes]], cache_control: str) -> None: ...


class DirectorySink:
    """Files under a directory (serve it with any static web server or sync it to a CDN origin)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def read(self, key: str) -> bytes | None:
        path = self.root / key
        return path.read_bytes() if path.exists() else None

    def write(self, files: list[tuple[str, bytes]], cache_control: str) -> None:
        for key, data in files:
            path = self.root / key
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)  # a reader sees the old file or the new one, never half of one


class S3Sink:
    """Objects in an S3-compatible bucket, uploaded in parallel (boto3 clients are thread-safe)."""

    def __init__(self, bucket: str, prefix: str = "", client: Any = None, endpoint_url: str | None = None) -> None:
        if client is None:
            try:
                import boto3
            except ImportError as exc:
                raise InvalidInput("publishing to s3:// needs boto3 (pip install boto3)", field="target") from exc
            client = boto3.client("s3", endpoint_url=endpoint_url)
        self.client, self.bucket, self.prefix = client, bucket, prefix.strip("/")

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def read(self, key: str) -> bytes | None:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()  # type: ignore[no-any-return]
        except Exception as exc:  # botocore's ClientError: S3 says NoSuchKey, some compatible stores a bare 404
            if getattr(exc, "response", {}).get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                return None
            raise

    def write(self, files: list[tuple[str, bytes]], cache_control: str) -> None:
        def put(item: tuple[str, bytes]) -> None:
            self.client.put_object(
                Bucket=self.bucket,
                Key=self._key(item[0]),
                Body=item[1],
                ContentType="application/json",
                CacheControl=cache_control,
            )

        with ThreadPoolExecutor(max_workers=16) as pool:
            list(pool.map(put, files))


def open_sink(target: str, endpoint_url: str | None = None) -> Sink:
    """`s3://bucket/prefix` or a directory path."""
    if target.startswith("s3://"):
        bucket, _, prefix = target.removeprefix("s3://").partition("/")
        if not bucket:
            raise InvalidInput("an S3 target looks like s3://bucket/prefix", field="target")
        return S3Sink(bucket, prefix, endpoint_url=endpoint_url)
    return DirectorySink(Path(target))


@dataclass(frozen=True)
class Published:
    version: int
    previous: int
    files: int


def _tree(conn: Connection) -> RegionTree:
    return RegionTree(Region(r.code, r.name, r.level, r.parent) for r in conn.execute(select(t.regions)))


def _totals_rows(conn: Connection, contest: str, regions: Iterable[str] | None) -> dict[str, Any]:
    q = select(t.totals).where(t.totals.c.contest == contest)
    if regions is None:
        return {r.region: r for r in conn.execute(q)}
    codes = sorted(set(regions))
    out: dict[str, Any] = {}
    for i in range(0, len(codes), 5000):
        out.update({r.region: r for r in conn.execute(q.where(t.totals.c.region.in_(codes[i : i + 5000])))})
    return out


def _totals(rows: dict[str, Any], code: str) -> Totals | None:
    row = rows.get(code)
    return queries.totals_from_row(row) if row is not None else None


def _contest_files(
    ctx: Context, conn: Connection, tree: RegionTree, contest: queries.ContestOut, since: int
) -> list[tuple[str, bytes, int]]:
    """(key, bytes, last_seq) of every totals file of `contest` changed after `since`."""
    q = select(t.totals).where(t.totals.c.contest == contest.id, t.totals.c.last_seq > since)
    changed = {r.region: r for r in conn.execute(q)}
    if not changed:
        return []
    needed = {k for code in changed for k in tree.shown_children(code, contest.scope)}
    rows = _totals_rows(conn, contest.id, None if len(needed) > READ_ALL_ABOVE else needed - changed.keys())
    rows.update(changed)
    key = (contest.id, contest.scope, [c.number for c in contest.candidates])
    files = []
    for code, row in sorted(changed.items()):
        if code not in tree.regions:
            continue
        out = queries.totals_out(tree, key, code, partial(_totals, rows), ctx.settings.simulated)
        files.append((totals_key(contest.id, code, row.last_seq), out.model_dump_json().encode(), row.last_seq))
    return files


def _pointer(sink: Sink) -> dict[str, Any]:
    raw = sink.read(POINTER)
    return json.loads(raw) if raw else {"version": 0, "head_hash": ""}


def publish(ctx: Context, sink: Sink, full: bool = False, progress: Progress | None = None) -> Published:
    """Write the totals changed since the last publish to `sink`, then point current.json at them."""
    before = _pointer(sink)
    with ctx.db.reader.connect() as conn:
        if not ctx.db.is_sqlite:  # log head and every totals row from one snapshot
            conn.execution_options(isolation_level="REPEATABLE READ")
        head = conn.execute(select(t.log_head)).one()
        since = 0 if full else int(before["version"])
        if since:
            known = conn.execute(select(t.log.c.hash).where(t.log.c.seq == since)).scalar()
            if known != before["head_hash"]:
                since = 0  # the target was published from another log: start over
        if since == head.seq:
            return Published(head.seq, since, 0)
        tree = _tree(conn)
        contests = queries.list_contests(ctx)
        written = 0
        roots: dict[str, Any] = {}
        manifest: dict[str, dict[str, int]] = {}
        for i, contest in enumerate(contests):
            files = _contest_files(ctx, conn, tree, contest, since)
            sink.write([(k, data) for k, data, _ in files], IMMUTABLE)
            written += len(files)
            manifest[contest.id] = {k.split("/")[2]: seq for k, _, seq in files}
            root = conn.execute(
                select(t.totals.c.last_seq).where(t.totals.c.contest == contest.id, t.totals.c.region == contest.scope)
            ).scalar()
            roots[contest.id] = contest.model_dump() | {
                "root": totals_key(contest.id, contest.scope, root) if root else None
            }
            if progress:
                progress(i + 1, len(contests))
    version = {"version": head.seq, "previous": since, "head_hash": head.hash, "published_at": now_iso()}
    sink.write([(f"versions/{head.seq}.json", json.dumps(version | {"totals": manifest}).encode())], IMMUTABLE)
    sink.write([(POINTER, json.dumps(version | {"contests": roots}, ensure_ascii=False).encode())], SHORT)
    return Published(head.seq, since, written)
