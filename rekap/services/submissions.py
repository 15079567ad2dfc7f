"""Submitting a TPS result: idempotent, checked against the rules, logged, folded into the totals.

The HTTP route awaits `submit_result_async` on the event loop: a plain submission needs no database read of
its own before the log writer (this process's, or the machine's: rekap/services/writer.py) takes it (the
token comes from the in-process cache, the idempotency key is looked up by the writer under the write lock),
so it costs no thread hop either.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import Connection, select

from rekap.domain.errors import PhotoMissing
from rekap.domain.fold import State
from rekap.domain.log import Draft, Entry, canonical
from rekap.domain.rules import Finding
from rekap.domain.submission import Report, plan_submission
from rekap.services.context import Context
from rekap.services.photos import known_photos
from rekap.services.tokens import TokenInfo, touch_token
from rekap.services.writer import NOT_REACHED
from rekap.store import tables as t
from rekap.store.ledger import Command, Once, Replayed


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


@dataclass
class _Submission:
    """One submission on its way through the log writer: its command, and whether its entry became the
    accepted result (known only once the writer has folded it)."""

    ctx: Context
    token: TokenInfo
    report: Report
    corrected_key: tuple[str, str] | None
    idempotency_key: str | None
    accepted: bool = False

    def command(self) -> Command:
        once = Once(self.token.id, self.idempotency_key, body_digest(self.report)) if self.idempotency_key else None
        return Command(self.plan, self.after, once)

    def plan(self, state: State) -> Draft:
        rejecting = self.ctx.settings.rejecting_sources
        return plan_submission(state, self.report, self.token.reporter(), rejecting, self.corrected_key)

    def after(self, conn: Connection, entry: Entry, state: State) -> None:
        acc = state.accepted.get((self.report.tps, self.report.contest))
        self.accepted = bool(acc and acc.seq == entry.seq)
        touch_token(conn, self.token.id, entry.at)

    def receipt(self, outcome: Entry | Replayed) -> Receipt:
        if isinstance(outcome, Replayed):
            with self.ctx.db.reader.connect() as conn:
                return _receipt_from_db(conn, outcome.seq, replayed=True)
        findings = tuple(Finding(**f) for f in outcome.payload["findings"])
        r = self.report
        return Receipt(outcome.seq, outcome.hash, outcome.at, r.tps, r.contest, self.accepted, findings)


def _receipt_from_db(conn: Connection, seq: int, replayed: bool) -> Receipt:
    sub = conn.execute(select(t.submissions).where(t.submissions.c.seq == seq)).one()
    entry = conn.execute(select(t.log.c.hash).where(t.log.c.seq == seq)).one()
    acc = conn.execute(
        select(t.accepted.c.seq).where(t.accepted.c.tps == sub.tps, t.accepted.c.contest == sub.contest)
    ).first()
    findings = tuple(Finding(**f) for f in json.loads(sub.findings))
    return Receipt(seq, entry.hash, sub.at, sub.tps, sub.contest, bool(acc and acc.seq == seq), findings, replayed)


def _needs_lookups(report: Report) -> bool:
    return bool(report.photos) or report.corrects is not None


def _prepare(ctx: Context, token: TokenInfo, report: Report, idempotency_key: str | None) -> _Submission:
    """What must be read from the database before planning: that the photos were uploaded, and which
    TPS×contest a correction names."""
    missing = sorted(set(report.photos) - known_photos(ctx, list(report.photos)))
    if missing:
        raise PhotoMissing(f"upload photo {missing[0]} with PUT /api/v1/photos/{missing[0]} first", field="photos")
    return _Submission(ctx, token, report, _corrected_key(ctx, report.corrects), idempotency_key)


def submit_result(ctx: Context, token: TokenInfo, report: Report, idempotency_key: str | None = None) -> Receipt:
    sub = _prepare(ctx, token, report, idempotency_key)
    return sub.receipt(ctx.ledger.submit(sub.command()).result())


async def submit_result_async(
    ctx: Context, token: TokenInfo, report: Report, idempotency_key: str | None = None
) -> Receipt:
    """`submit_result` for the event loop: handed to this machine's log writer if another process writes
    (`rekap serve --workers N`), else written here; see `write_result`."""
    if ctx.writer is not None:
        receipt = await ctx.writer.call(token, report, idempotency_key)
        if isinstance(receipt, Receipt):
            return receipt
        assert receipt is NOT_REACHED, receipt
    return await write_result(ctx, token, report, idempotency_key)


async def write_result(ctx: Context, token: TokenInfo, report: Report, idempotency_key: str | None = None) -> Receipt:
    """Log a submission through this process's ledger: database reads (photos, corrections, replays) go to a
    thread, the rest waits for the group commit without holding one."""
    if _needs_lookups(report):
        sub = await asyncio.to_thread(_prepare, ctx, token, report, idempotency_key)
    else:
        sub = _Submission(ctx, token, report, None, idempotency_key)
    outcome = await asyncio.wrap_future(ctx.ledger.submit(sub.command()))
    if isinstance(outcome, Replayed):
        return await asyncio.to_thread(sub.receipt, outcome)
    return sub.receipt(outcome)


def _corrected_key(ctx: Context, seq: int | None) -> tuple[str, str] | None:
    if seq is None:
        return None
    with ctx.db.reader.connect() as conn:
        row = conn.execute(
            select(t.submissions.c.tps, t.submissions.c.contest).where(t.submissions.c.seq == seq)
        ).first()
    return (row.tps, row.contest) if row else None
