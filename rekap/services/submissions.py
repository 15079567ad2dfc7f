"""Submitting a TPS result: idempotent, checked against the rules, logged, folded into the totals.

The HTTP route awaits `submit_async` on the event loop: a plain submission needs no database read of its own
before the log writer (this process's, or the machine's: rekap/log/handoff.py) takes it (the token comes from
the in-process cache, the idempotency key is looked up by the writer under the write lock), so it costs no
thread hop either. `submit_with_photos_async` takes a result and its photos in one request: the photos checked as
uploads are, their originals made durable, their rows written in the entry's own transaction.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import partial

from rekap.domain.errors import InvalidInput, PhotoMissing, PhotoRejected
from rekap.domain.log import canonical
from rekap.domain.photo_reports import plan_photos_reported
from rekap.domain.result import Result
from rekap.domain.rules import Finding
from rekap.domain.submission import MAX_PHOTOS, Submission, facts_of, plan_submission
from rekap.log.commands import Appended, Command, IdempotencyKey, Replayed
from rekap.log.handoff import NOT_REACHED, WriterClient
from rekap.log.writer import LogWriter
from rekap.services.people import GrantCaller
from rekap.services.photos import Photos
from rekap.services.tokens import TokenInfo
from rekap.store import log_table as stored_log
from rekap.store import people as stored_people
from rekap.store import photos as stored_photos
from rekap.store import results as stored
from rekap.store import tokens as stored_tokens
from rekap.store.db import Database
from rekap.store.photos import PhotoInfo

_NO_RESULT = Result({}, 0, 0, 0, 0, 0, 0, 0, 0, 0)
#: who submits: a machine's token, or a person through one of their grants
Caller = TokenInfo | GrantCaller
#: the photos sent with a result whose rows its entry writes: each one's info and who sent it
NewPhotos = tuple[tuple[PhotoInfo, str], ...]


@dataclass(frozen=True, slots=True)
class SentPhoto:
    """A photo sent in the same request as the result that names it: its bytes and the type it was sent as."""

    data: bytes
    media_type: str | None


@dataclass(frozen=True)
class Receipt:
    """What the reporter gets back: the entry's place in the log and its hash, to show the witnesses."""

    seq: int
    hash: str
    at: str
    tps: str
    contest: str
    accepted: bool
    findings: tuple[Finding, ...]
    replayed: bool = False


def body_digest(sub: Submission) -> str:
    body = {
        "tps": sub.tps,
        "contest": sub.contest,
        "result": sub.result.to_payload(),
        "photos": list(sub.photos),
        "corrects": sub.corrects,
        "reason": sub.reason,
    }
    return hashlib.sha256(canonical(body)).hexdigest()


class Submissions:
    def __init__(
        self,
        writer: LogWriter,
        db: Database,
        rejecting: Iterable[str],
        handoff: WriterClient | None = None,
        photo_required: Iterable[str] = (),
        photos: Photos | None = None,
    ) -> None:
        self.writer, self.db = writer, db
        #: checks photos sent with a result, and knows which this process recorded lately (a submission's come just
        #: after their uploads: no database read)
        self.photos = photos
        self.rejecting = frozenset(rejecting)  # source kinds whose broken forms are refused, not flagged
        self.photo_required = frozenset(photo_required)  # source kinds that must send at least one photo
        self.handoff = handoff  # this machine's log writer, when another process writes

    def facts(self, tps: str, contest: str) -> dict[str, int | None]:
        """What the rules know of a TPS in a contest (the `tps.…` terms), for a field form checking as it is typed."""
        f = facts_of(self.writer.state, tps, contest)
        return {"dpt": f.dpt, "reserve": f.reserve, "ballots": f.ballots, "max_ballots": f.max_ballots}

    def submit(self, token: Caller, sub: Submission, idempotency_key: str | None = None) -> Receipt:
        cmd = self._command(token, sub, idempotency_key, self._corrected_key(sub))
        return self._receipt(sub, self.writer.submit(cmd).result())

    async def submit_async(self, token: Caller, sub: Submission, idempotency_key: str | None = None) -> Receipt:
        """`submit` for the event loop: handed to this machine's log writer if another process writes
        (`rekap serve --workers N`), else written here (see `write`)."""
        if self.handoff is None:
            return await self.write(token, sub, idempotency_key)
        await self._check_named_async(sub.photos)  # checked here, not by the one writer
        return await self._logged(token, sub, idempotency_key, ())

    async def submit_with_photos_async(
        self, token: Caller, sub: Submission, sent: Sequence[SentPhoto], uploader: str, idempotency_key: str | None
    ) -> Receipt:
        """A result and its photos, one operation. Each photo goes through the checks of an upload (`photo[i]` names
        the one refused); the result's `photos` are the ones it names (each sent with it, or uploaded before), then
        each one sent that it does not name. The originals are made durable first, then the entry is logged with the
        photos' rows in its own transaction: a refused result leaves no row, and the same Idempotency-Key again
        answers the first receipt and writes nothing. (A refused result's original stays in the store without a
        row, where nothing serves, exports or verifies it; the same bytes sent again find it in place.)"""
        assert self.photos is not None, "the composition root wires the photos"
        checked: dict[str, tuple[PhotoInfo, bytes]] = {}
        for i, photo in enumerate(sent):
            try:
                info = await self.photos.check_async(photo.data, photo.media_type)
            except PhotoRejected as err:
                err.field, err.detail = f"photo[{i}]", f"photo part {i}: {err.detail}"
                raise
            checked.setdefault(info.sha256, (info, photo.data))
        photos = tuple(dict.fromkeys([*sub.photos, *checked]))
        if len(photos) > MAX_PHOTOS:
            raise InvalidInput(f"{len(photos)} photos; at most {MAX_PHOTOS} a result", field="photos")
        await self._check_named_async(tuple(p for p in sub.photos if p not in checked))
        await self.photos.keep_originals_async(list(checked.values()))
        new = tuple((info, uploader) for info, _ in checked.values())
        receipt = await self._logged(token, replace(sub, photos=photos), idempotency_key, new)
        if not receipt.replayed:  # their rows are committed: this process, which has their bytes, makes the copies
            self.photos.recorded(list(checked))
        return receipt

    async def _logged(self, token: Caller, sub: Submission, idempotency_key: str | None, new: NewPhotos) -> Receipt:
        """A submission whose photos are checked, through this machine's log writer (or here, if it is not
        reached)."""
        if self.handoff is not None:
            receipt = await self.handoff.call(token, sub, idempotency_key, True, new)
            if isinstance(receipt, Receipt):
                return receipt
            assert receipt is NOT_REACHED, receipt
        return await self.write(token, sub, idempotency_key, True, new)

    async def write(
        self,
        token: Caller,
        sub: Submission,
        idempotency_key: str | None = None,
        photos_checked: bool = False,
        new: NewPhotos = (),
    ) -> Receipt:
        """Log a submission through this process's writer: database reads (photos, corrections, replays) go to a
        thread, the rest waits for the group commit without holding one. The machine's writer answers its
        workers' hand-offs with this (their photos checked by the worker; `new`: the rows of the photos sent with
        it, written in its transaction)."""
        corrected = None
        photos_checked = photos_checked or not self._not_recorded_lately(sub.photos)
        if (sub.photos and not photos_checked) or sub.corrects is not None:
            corrected = await asyncio.to_thread(self._corrected_key, sub, photos_checked)
        cmd = self._command(token, sub, idempotency_key, corrected, new)
        outcome = await asyncio.wrap_future(self.writer.submit(cmd))
        if isinstance(outcome, Replayed):
            return await asyncio.to_thread(self._receipt, sub, outcome)
        return self._receipt(sub, outcome)

    def report_photos(
        self, token: Caller, tps: str, contest: str, photos: tuple[str, ...], idempotency_key: str | None = None
    ) -> Receipt:
        """C1 photos without numbers (a volunteer's): logged, and kept in photo_reports for digitisation."""
        self._corrected_key(Submission(tps, contest, _NO_RESULT, photos))  # the photos must be uploaded
        plan = partial(plan_photos_reported, tps=tps, contest=contest, photos=photos, who=token.reporter())
        digest = hashlib.sha256(canonical({"tps": tps, "contest": contest, "photos": list(photos)})).hexdigest()
        key = IdempotencyKey(token.id, idempotency_key, digest) if idempotency_key else None
        outcome = self.writer.submit(Command(plan, (stored_people.insert_photo_report,), key)).result()
        if isinstance(outcome, Replayed):
            with self.db.reader.connect() as conn:
                h, at = stored_log.hash_of(conn, outcome.seq) or "", stored_log.at_of(conn, outcome.seq) or ""
            return Receipt(outcome.seq, h, at, tps, contest, False, (), replayed=True)
        e = outcome.entry
        return Receipt(e.seq, e.hash, e.at, tps, contest, False, ())

    async def _check_named_async(self, photos: tuple[str, ...]) -> None:
        """The photos a submission names exist: those not recorded by this process lately, by a query in a thread."""
        rest = self._not_recorded_lately(photos)
        if rest:
            await asyncio.to_thread(self._check_photos, rest)

    def _not_recorded_lately(self, photos: tuple[str, ...]) -> list[str]:
        if not photos:
            return []
        lately = self.photos.recorded_lately(photos) if self.photos is not None else set()
        return sorted(set(photos) - lately)

    def _check_photos(self, photos: list[str]) -> None:
        if not photos:
            return
        with self.db.reader.connect() as conn:
            missing = sorted(set(photos) - stored_photos.known(conn, photos))
        if missing:
            raise PhotoMissing(f"upload photo {missing[0]} with PUT /api/v1/photos/{missing[0]} first", field="photos")

    def _corrected_key(self, sub: Submission, photos_checked: bool = False) -> tuple[str, str] | None:
        """What must be read before planning: that the photos were uploaded, and which TPS×contest a
        correction names."""
        if not photos_checked:
            self._check_photos(self._not_recorded_lately(sub.photos))
        if sub.corrects is None:
            return None
        with self.db.reader.connect() as conn:
            return stored.key_of(conn, sub.corrects)

    def _command(
        self,
        token: Caller,
        sub: Submission,
        idempotency_key: str | None,
        corrected: tuple[str, str] | None,
        new: NewPhotos = (),
    ) -> Command:
        plan = partial(
            plan_submission, sub=sub, who=token.reporter(), rejecting=self.rejecting, corrected_key=corrected,
            photo_required=self.photo_required,
        )  # fmt: skip
        key = IdempotencyKey(token.id, idempotency_key, body_digest(sub)) if idempotency_key else None
        touch = (partial(stored_tokens.touch, token_id=token.id),) if isinstance(token, TokenInfo) else ()
        rows = (partial(stored_photos.rows_sent_with, photos=new),) if new else ()
        return Command(plan, touch, key, rows)

    def _receipt(self, sub: Submission, outcome: Appended | Replayed) -> Receipt:
        if isinstance(outcome, Replayed):
            with self.db.reader.connect() as conn:
                x = stored.logged(conn, outcome.seq)
            findings = tuple(Finding(**f) for f in x.findings)
            return Receipt(x.seq, x.hash, x.at, x.tps, x.contest, x.accepted, findings, replayed=True)
        e = outcome.entry
        findings = tuple(Finding(**f) for f in e.payload["findings"])
        accepted = any(s.accepted for s in outcome.changes.submissions)
        return Receipt(e.seq, e.hash, e.at, sub.tps, sub.contest, accepted, findings)
