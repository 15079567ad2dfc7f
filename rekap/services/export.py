"""`rekap export DIR`: everything anyone needs to re-verify this instance — the log, the photo originals, the
totals and the accepted results — from one snapshot of the database."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rekap.domain.log import canonical_text
from rekap.log.reader import read_entries
from rekap.services.csv_rows import spreadsheet_row
from rekap.services.real_count import totals_row
from rekap.store import log_table
from rekap.store import photos as stored_photos
from rekap.store import results as stored_results
from rekap.store import totals as stored_totals
from rekap.store.db import Database
from rekap.store.photo_files import PhotoStore

Progress = Callable[[int, int], None]


def export(
    db: Database, files: PhotoStore, directory: Path, simulated: bool, progress: Progress | None = None
) -> dict[str, Any]:
    """Write log.jsonl, photos/ (originals), totals.json/.csv and accepted.csv; returns the manifest."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "photos").mkdir(exist_ok=True)
    n = 0
    with db.reader.connect() as conn, (directory / "log.jsonl").open("w", encoding="utf-8") as f:
        if not db.is_sqlite:  # one snapshot for log, totals and results (SQLite's read transaction is one)
            conn.execution_options(isolation_level="REPEATABLE READ")
        head_seq, head_hash = log_table.head(conn)
        for e in read_entries(conn, upto=head_seq):
            f.write(canonical_text(e.to_dict()) + "\n")
            n += 1
            if progress and n % 1000 == 0:
                progress(n, head_seq)
        every = stored_totals.every_row(conn)
        totals = [totals_row(r, c, x) for (r, c), x in sorted(every.items(), key=lambda kv: (kv[0][1], kv[0][0]))]
        accepted = stored_results.all_accepted(conn)
        photo_hashes = stored_photos.all_hashes(conn)
    if progress:
        progress(n, head_seq)
    (directory / "totals.json").write_text(
        json.dumps({"head_seq": head_seq, "head_hash": head_hash, "totals": totals}, indent=1)
    )
    _write_csv(directory / "totals.csv", totals)
    _write_csv(directory / "accepted.csv", [r | {"votes": json.loads(r["votes"])} for r in accepted])
    copied = 0
    for sha in photo_hashes:
        dest = directory / "photos" / sha[:2] / sha
        if dest.exists():
            copied += 1
            continue
        original = files.read_original(sha)
        if original is not None:
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(original)
            copied += 1
    manifest = {
        "head_seq": head_seq,
        "head_hash": head_hash,
        "entries": n,
        "photos": copied,
        "totals": len(totals),
        "simulated": simulated,
    }
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return manifest


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    """One column per field, the votes spread into votes_<number> columns."""
    numbers = sorted({int(k) for r in rows for k in r["votes"]})
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        base = [k for k in (rows[0].keys() if rows else []) if k != "votes"]
        w.writerow(base + [f"votes_{n}" for n in numbers])
        for r in rows:
            votes = {int(k): v for k, v in r["votes"].items()}
            w.writerow(spreadsheet_row([r[k] for k in base] + [votes.get(n, 0) for n in numbers]))
