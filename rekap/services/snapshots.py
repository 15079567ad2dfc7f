"""Publishing public totals as versioned static JSON (one file per region × contest) for a CDN to serve.

Layout under the target (a directory or an S3 bucket/prefix):
    totals/<contest>/<region>/<last_seq>.json   TotalsOut, as the API serves it; never changes again
    recaps/<contest>/<region>/<version>.json    a region's recap and its children's (services/recap_snapshots.py)
    versions/<version>.json                      which totals and recap files that version added
    current.json                                 the small pointer: version (= log seq), contests, roots

A totals file is named by its own `last_seq`, and each file lists its children with theirs, so a reader
goes from current.json down the tree and every file but the pointer can be cached forever. A publish
writes only the totals (and recaps) newer than the version in the pointer, then the pointer last.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Connection

from rekap.domain.contest import Contest
from rekap.domain.log import now_iso
from rekap.services.checkpoints import Signer, keep
from rekap.services.contests import Contests
from rekap.services.read_model import RegionTree
from rekap.services.real_count import totals_view
from rekap.services.recap_snapshots import recap_files
from rekap.services.views import json_of, python_of
from rekap.store import contests as stored_contests
from rekap.store import log_table, s3
from rekap.store import regions as stored_regions
from rekap.store import totals as stored_totals
from rekap.store.db import Database

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
        self.client = client or s3.client(endpoint_url, "publishing to s3://")
        self.bucket, self.prefix = bucket, prefix.strip("/")

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def read(self, key: str) -> bytes | None:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()  # type: ignore[no-any-return]
        except Exception as exc:
            if s3.is_missing(exc):
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
        bucket, prefix = s3.split_url(target)
        return S3Sink(bucket, prefix, endpoint_url=endpoint_url)
    return DirectorySink(Path(target))


@dataclass(frozen=True)
class Published:
    version: int
    previous: int
    files: int  # totals files written
    recap_files: int = 0


def _contest_files(
    conn: Connection, tree: RegionTree, contest: Contest, since: int, simulated: bool
) -> list[tuple[str, bytes, int]]:
    """(key, bytes, last_seq) of every totals file of `contest` changed after `since`."""
    changed = stored_totals.changed_since(conn, contest.id, since)
    if not changed:
        return []
    needed = {k for code in changed for k in tree.shown_children(code, contest.scope)}
    if len(needed) > READ_ALL_ABOVE:
        rows = stored_totals.of_contest(conn, contest.id)
    else:
        rows = stored_totals.of_regions(conn, contest.id, needed - changed.keys())
    rows.update(changed)
    files = []
    for code, x in sorted(changed.items()):
        if code not in tree.regions:
            continue
        view = totals_view(tree, contest, code, rows.get, simulated)
        files.append((totals_key(contest.id, code, x.last_seq), json_of(view), x.last_seq))
    return files


def _pointer(sink: Sink) -> dict[str, Any]:
    raw = sink.read(POINTER)
    return json.loads(raw) if raw else {"version": 0, "head_hash": ""}


class Publisher:
    def __init__(
        self, db: Database, contests: Contests, simulated: bool, signer: Signer | None = None,
        kept: Path | None = None,
    ) -> None:  # fmt: skip
        self.db, self.contests, self.simulated = db, contests, simulated
        self.signer, self.kept = signer, kept  # the checkpoint key, and where to keep what it signed

    def publish(self, sink: Sink, full: bool = False, progress: Progress | None = None) -> Published:
        """Write the totals changed since the last publish to `sink`, then point current.json at them."""
        before = _pointer(sink)
        with self.db.reader.connect() as conn:
            if not self.db.is_sqlite:  # log head and every totals row from one snapshot
                conn.execution_options(isolation_level="REPEATABLE READ")
            head_seq, head_hash = log_table.head(conn)
            since = 0 if full else int(before["version"])
            if since and log_table.hash_of(conn, since) != before["head_hash"]:
                since = 0  # the target was published from another log: start over
            if since == head_seq:
                return Published(head_seq, since, 0)
            tree = RegionTree(stored_regions.all_regions(conn))
            contests = {c.id: c for c in stored_contests.all_contests(conn)}
            views = {v.id: v for v in self.contests.stored()}
            written = recaps_written = 0
            roots: dict[str, Any] = {}
            manifest: dict[str, dict[str, int]] = {}
            recap_manifest: dict[str, dict[str, int]] = {}
            for i, contest in enumerate(contests.values()):
                files = _contest_files(conn, tree, contest, since, self.simulated)
                sink.write([(k, data) for k, data, _ in files], IMMUTABLE)
                written += len(files)
                manifest[contest.id] = {k.split("/")[2]: seq for k, _, seq in files}
                recaps = recap_files(conn, tree, contest, since)
                sink.write(recaps.files, IMMUTABLE)
                recaps_written += len(recaps.files)
                recap_manifest[contest.id] = recaps.versions
                root = stored_totals.of_regions(conn, contest.id, [contest.scope]).get(contest.scope)
                roots[contest.id] = python_of(views[contest.id]) | {
                    "root": totals_key(contest.id, contest.scope, root.last_seq) if root else None,
                    "recap": recaps.root,
                }
                if progress:
                    progress(i + 1, len(contests))
        version = {"version": head_seq, "previous": since, "head_hash": head_hash, "published_at": now_iso()}
        added = {"totals": manifest, "recaps": recap_manifest}
        sink.write([(f"versions/{head_seq}.json", json.dumps(version | added).encode())], IMMUTABLE)
        if self.signer is not None and self.signer.available:
            cp = self.signer.sign(head_seq, head_hash)
            sink.write([(f"checkpoints/{head_seq}.json", cp.to_json())], IMMUTABLE)
            version["checkpoint"] = f"checkpoints/{head_seq}.json"
            if self.kept is not None:
                keep(self.kept, cp)
        sink.write([(POINTER, json.dumps(version | {"contests": roots}, ensure_ascii=False).encode())], SHORT)
        return Published(head_seq, since, written, recaps_written)
