"""Submitting a TPS result: idempotent, checked against the rules, logged, folded into the totals."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from rekap.domain.errors import IdempotencyConflict, PhotoMissing
from rekap.domain.fold import State
from rekap.domain.log import Entry, canonical
from rekap.domain.rules import Finding
from rekap.domain.submission import Report, plan_submission
from rekap.services.context import Context
from rekap.services.photos import known_photos
from rekap.services.tokens import TokenInfo, touch_token
from rekap.store import tables as t
from rekap.store.ledger import Command


@dataclass(frozen=True)
class Receipt:
    seq: int
    hash: str
    at: str
    tps: str
    contest: str
    accepted: bool
    findings: tuple[Finding, ...]
    replayed: bool = False


def body_digest(report: Report) -> str:
    return hashlib.sha256(
        canonical(
            {
                "tps": report.tps,
                "contest": report.contest,
                "result": report.result.to_payload(),
                "photos": list(report.photos),
                "corrects": report.corrects,
                "reason": report.reason,
            }
        )
    ).hexdigest()


def _stored_receipt(ctx: Context, token: TokenInfo, key: str, digest: str) -> Receipt | None:
    with ctx.db.reader.connect() as conn:
        row = conn.execute(
            select(t.idempotency).where(t.idempotency.c.token_id == token.id, t.idempotency.c.key == key)
        ).first()
        if row is None:
            return None
        if row.body_sha256 != digest:
            raise IdempotencyConflict(
                f"Idempotency-Key {key!r} was used for a different submission (seq {row.seq})", field="Idempotency-Key"
            )
        return _receipt_from_db(conn, row.seq, replayed=True)


def _receipt_from_db(conn: Connection, seq: int, replayed: bool) -> Receipt:
    sub = conn.execute(select(t.submissions).where(t.submissions.c.seq == seq)).one()
    entry = conn.execute(select(t.log.c.hash).where(t.log.c.seq == seq)).one()
    acc = conn.execute(
        select(t.accepted.c.seq).where(t.accepted.c.tps == sub.tps, t.accepted.c.contest == sub.contest)
    ).first()
    findings = tuple(Finding(**f) for f in json.loads(sub.findings))
    return Receipt(seq, entry.hash, sub.at, sub.tps, sub.contest, bool(acc and acc.seq == seq), findings, replayed)


def submit_result(ctx: Context, token: TokenInfo, report: Report, idempotency_key: str | None = None) -> Receipt:
    digest = body_digest(report)
    if idempotency_key:
        stored = _stored_receipt(ctx, token, idempotency_key, digest)
        if stored:
            return stored
    missing = sorted(set(report.photos) - known_photos(ctx, list(report.photos)))
    if missing:
        raise PhotoMissing(f"upload photo {missing[0]} with PUT /api/v1/photos/{missing[0]} first", field="photos")
    corrected_key = _corrected_key(ctx, report.corrects)
    reporter = token.reporter()
    accepted: dict[str, bool] = {}

    def plan(state: State):  # type: ignore[no-untyped-def]
        return plan_submission(state, report, reporter, ctx.settings.rejecting_sources, corrected_key)

    def after(conn: Connection, entry: Entry, state: State) -> None:
        acc = state.accepted.get((report.tps, report.contest))
        accepted["now"] = bool(acc and acc.seq == entry.seq)
        touch_token(conn, token.id, entry.at)
        if idempotency_key:
            conn.execute(
                t.idempotency.insert(),
                {
                    "token_id": token.id,
                    "key": idempotency_key,
                    "body_sha256": digest,
                    "seq": entry.seq,
                    "hash": entry.hash,
                    "created_at": entry.at,
                },
            )

    try:
        entry = ctx.ledger.append(Command(plan, after))
    except IntegrityError:
        # two retries with one key raced: the loser's insert failed; answer with the winner's receipt
        if idempotency_key:
            stored = _stored_receipt(ctx, token, idempotency_key, digest)
            if stored:
                return stored
        raise
    findings = tuple(Finding(**f) for f in entry.payload["findings"])
    return Receipt(entry.seq, entry.hash, entry.at, report.tps, report.contest, accepted["now"], findings)


def _corrected_key(ctx: Context, seq: int | None) -> tuple[str, str] | None:
    if seq is None:
        return None
    with ctx.db.reader.connect() as conn:
        row = conn.execute(
            select(t.submissions.c.tps, t.submissions.c.contest).where(t.submissions.c.seq == seq)
        ).first()
    return (row.tps, row.contest) if row else None
