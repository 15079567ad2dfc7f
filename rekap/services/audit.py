"""Rebuilding from the log, verifying a log (local, exported or remote) and exporting everything for audit."""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from rekap.domain.errors import InvalidInput
from rekap.domain.fold import TOTALS_COUNTS, State, apply
from rekap.domain.log import GENESIS, Entry, canonical_text, check_link
from rekap.services.context import Context
from rekap.store import tables as t
from rekap.store.ledger import entry_from_row, stream_log
from rekap.store.projection import totals_row
from rekap.store.rebuild import Rebuilt

Progress = Callable[[int, int], None]
TOTAL_FIELDS = (*TOTALS_COUNTS, "votes")


@dataclass
class Mismatch:
    region: str
    contest: str
    field: str
    expected: Any
    published: Any


@dataclass
class VerifyReport:
    entries: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    broken_seq: int | None = None
    broken_reason: str | None = None
    photos_checked: int = 0
    photos_bad: list[str] = field(default_factory=list)
    photos_missing: list[str] = field(default_factory=list)
    photos_note: str = ""
    totals_checked: int = 0
    totals_mismatches: list[Mismatch] = field(default_factory=list)
    head_note: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_seq is None and not self.photos_bad and not self.totals_mismatches and not self.head_note


def rebuild(ctx: Context, progress: Progress | None = None, parts: int = 1) -> Rebuilt:
    return ctx.ledger.rebuild(progress, parts)


def verify_chain(
    entries: Iterator[Entry], report: VerifyReport, progress: Progress | None = None, total: int = 0
) -> State:
    """Check every link and fold the log; stops at the first broken entry."""
    state = State()
    prev, seq = GENESIS, 1
    for e in entries:
        broken = check_link(e, seq, prev)
        if broken is None:
            try:
                apply(state, e)
            except (KeyError, TypeError, ValueError) as exc:
                broken_reason = f"entry cannot be applied: {type(exc).__name__}: {exc}"
                report.broken_seq, report.broken_reason = e.seq, broken_reason
                return state
        else:
            report.broken_seq, report.broken_reason = broken.seq, broken.reason
            return state
        report.entries, report.head_seq, report.head_hash = seq, e.seq, e.hash
        prev, seq = e.hash, seq + 1
        if progress and seq % 500 == 0:
            progress(seq, total)
    return state


def compare_totals(
    state: State, published: list[dict[str, Any]], report: VerifyReport, newer: frozenset[tuple[str, str]] = frozenset()
) -> None:
    """Every total recomputed from the log must equal the published one, and none may be missing
    (except `newer` ones: changed after the log we read ended)."""
    seen: set[tuple[str, str]] = set(newer)
    for row in published:
        key = (row["region"], row["contest"])
        seen.add(key)
        mine = state.totals.get(key)
        expected = totals_row(key, mine) if mine else None
        report.totals_checked += 1
        for f in TOTAL_FIELDS:
            want = (json.loads(expected[f]) if f == "votes" else expected[f]) if expected else None
            got = row[f]
            if f == "votes":
                got = {str(k): v for k, v in got.items()}
            if want != got:
                report.totals_mismatches.append(Mismatch(key[0], key[1], f, want, got))
    for key in state.totals.keys() - seen:
        if state.totals[key].tps_total or state.totals[key].tps_reported:
            report.totals_mismatches.append(Mismatch(key[0], key[1], "row", "present", "missing"))


def _check_photo_bytes(name: str, data: bytes, report: VerifyReport) -> None:
    report.photos_checked += 1
    if hashlib.sha256(data).hexdigest() != name:
        report.photos_bad.append(name)


def verify_local(ctx: Context, progress: Progress | None = None) -> VerifyReport:
    report = VerifyReport()
    with ctx.db.reader.connect() as conn:
        head = conn.execute(select(t.log_head)).one()
        state = verify_chain(stream_log(conn, head.seq), report, progress, head.seq)
        if report.broken_seq is None and (head.seq, head.hash) != (report.head_seq, report.head_hash):
            report.head_note = f"log_head says seq {head.seq} but the chain ends at {report.head_seq}"
        published = [dict(r._mapping) | {"votes": json.loads(r.votes)} for r in conn.execute(select(t.totals))]
        photos = [r.sha256 for r in conn.execute(select(t.photos.c.sha256))]
        refs = {p for r in conn.execute(select(t.submissions.c.photos)) for p in json.loads(r.photos)}
    if report.broken_seq is None:
        compare_totals(state, published, report)
    for sha in photos:
        if ctx.photos.has(sha):
            _check_photo_bytes(sha, ctx.photos.read_original(sha), report)
        else:
            report.photos_missing.append(sha)
    report.photos_missing += sorted(refs - set(photos))
    return report


def _read_jsonl(path: Path) -> Iterator[Entry]:
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                d = json.loads(line)
                yield Entry(d["seq"], d["prev_hash"], d["hash"], d["kind"], d["payload"], d["actor"], d["at"])


def verify_export(directory: Path, progress: Progress | None = None) -> VerifyReport:
    log_file = directory / "log.jsonl"
    if not log_file.exists():
        raise InvalidInput(f"{directory} has no log.jsonl; is it a rekap export?", field="export")
    report = VerifyReport()
    refs: set[str] = set()

    def noting_photos(entries: Iterator[Entry]) -> Iterator[Entry]:
        for e in entries:
            if e.kind == "result.submitted":
                refs.update(e.payload.get("photos", []))
            yield e

    state = verify_chain(noting_photos(_read_jsonl(log_file)), report, progress)
    totals_file = directory / "totals.json"
    if report.broken_seq is None and totals_file.exists():
        compare_totals(state, json.loads(totals_file.read_text())["totals"], report)
    photo_dir = directory / "photos"
    for sha in sorted(refs):
        path = photo_dir / sha[:2] / sha
        if path.exists():
            _check_photo_bytes(sha, path.read_bytes(), report)
        else:
            report.photos_missing.append(sha)
    return report


def _remote_entries(client: httpx.Client, base: str) -> Iterator[Entry]:
    after = 0
    while True:
        page = client.get(f"{base}/api/v1/log", params={"after": after, "limit": 1000})
        page.raise_for_status()
        data = page.json()
        for d in data["entries"]:
            yield Entry(d["seq"], d["prev_hash"], d["hash"], d["kind"], d["payload"], d["actor"], d["at"])
        if data["next_after"] is None:
            return
        after = data["next_after"]


def verify_url(base: str, progress: Progress | None = None, client: httpx.Client | None = None) -> VerifyReport:
    base = base.rstrip("/")
    client = client or httpx.Client(timeout=60)
    report = VerifyReport()
    head = client.get(f"{base}/api/v1/log/head").json()
    state = verify_chain(_remote_entries(client, base), report, progress, head["seq"])
    if report.broken_seq is None and report.head_seq < head["seq"]:
        report.head_note = f"the instance's head is seq {head['seq']} but its log ended at {report.head_seq}"
    if report.broken_seq is None:
        published, newer = [], set()
        for contest in client.get(f"{base}/api/v1/contests").json():
            resp = client.get(f"{base}/api/v1/contests/{contest['id']}/totals")
            resp.raise_for_status()
            for r in resp.json():  # a live instance moves on while we read: compare what we can place
                if r["last_seq"] <= report.head_seq:
                    published.append(r)
                else:
                    newer.add((r["region"], r["contest"]))
        compare_totals(state, published, report, frozenset(newer))
    report.photos_note = "the public serves re-encoded photos; check originals with an export (rekap export)"
    return report


def export(ctx: Context, directory: Path, progress: Progress | None = None) -> dict[str, Any]:
    """Write log.jsonl, photos/ (originals), totals.json/.csv and accepted.csv: all anyone needs to re-verify."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "photos").mkdir(exist_ok=True)
    n = 0
    with ctx.db.reader.connect() as conn, (directory / "log.jsonl").open("w", encoding="utf-8") as f:
        if not ctx.db.is_sqlite:  # one snapshot for log, totals and results (SQLite's read transaction is one)
            conn.execution_options(isolation_level="REPEATABLE READ")
        head = conn.execute(select(t.log_head)).one()
        for row in conn.execute(select(t.log).where(t.log.c.seq <= head.seq).order_by(t.log.c.seq)).yield_per(2000):
            f.write(canonical_text(entry_from_row(row).to_dict()) + "\n")
            n += 1
            if progress and n % 1000 == 0:
                progress(n, head.seq)
        totals = [
            dict(r._mapping) | {"votes": json.loads(r.votes)}
            for r in conn.execute(select(t.totals).order_by(t.totals.c.contest, t.totals.c.region))
        ]
        accepted = [dict(r._mapping) for r in conn.execute(select(t.accepted).order_by(t.accepted.c.tps))]
        photo_hashes = [r.sha256 for r in conn.execute(select(t.photos.c.sha256))]
    (directory / "totals.json").write_text(
        json.dumps({"head_seq": head.seq, "head_hash": head.hash, "totals": totals}, indent=1)
    )
    _write_csv(directory / "totals.csv", totals, flatten_votes=True)
    _write_csv(directory / "accepted.csv", accepted, flatten_votes=True)
    copied = 0
    for sha in photo_hashes:
        if ctx.photos.has(sha):
            dest = directory / "photos" / sha[:2] / sha
            if not dest.exists():
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(ctx.photos.read_original(sha))
            copied += 1
    manifest = {
        "head_seq": head.seq,
        "head_hash": head.hash,
        "entries": n,
        "photos": copied,
        "totals": len(totals),
        "simulated": ctx.settings.simulated,
    }
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return manifest


def _write_csv(path: Path, rows: list[dict[str, Any]], flatten_votes: bool) -> None:
    numbers = sorted(
        {int(k) for r in rows for k in (r["votes"] if isinstance(r["votes"], dict) else json.loads(r["votes"]))}
    )
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        base = [k for k in (rows[0].keys() if rows else []) if k != "votes"]
        w.writerow(base + [f"votes_{n}" for n in numbers])
        for r in rows:
            votes = r["votes"] if isinstance(r["votes"], dict) else json.loads(r["votes"])
            w.writerow([r[k] for k in base] + [votes.get(str(n), 0) for n in numbers])
