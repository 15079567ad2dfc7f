"""A TPS's results as the read side shows them: every contest's accepted numbers, the history of its
submissions, its C1 photos; and a kelurahan's TPS with their status."""

from __future__ import annotations

import asyncio
from dataclasses import asdict

from rekap.domain.errors import UnknownTps
from rekap.domain.regions import is_within
from rekap.domain.result import Source
from rekap.domain.status import status_of
from rekap.services.photos import PHOTO_VARIANTS
from rekap.services.read_model import ReadModel
from rekap.services.regions import known
from rekap.services.tps_history import TpsHistories
from rekap.services.views import (
    ContestResultView,
    PhotoReportView,
    RegionRef,
    SubmissionView,
    TpsStatus,
    TpsView,
)
from rekap.store import people as stored_people
from rekap.store import photos as stored_photos
from rekap.store import regions as stored_regions
from rekap.store import results as stored
from rekap.store.async_reads import AsyncReads
from rekap.store.db import Database


def _role_of(s: stored.StoredSubmission) -> str:
    kind = s.actor.split(":", 1)[0]
    return s.role or kind if kind in ("token", "grant") else kind


def _submission(s: stored.StoredSubmission, acc: stored.StoredAccepted | None) -> SubmissionView:
    source = Source(s.source_kind, s.source_candidate, s.source_name).label
    accepted = acc is not None and acc.seq == s.seq
    return SubmissionView(
        s.seq, s.hash, s.at, source, _role_of(s), s.result, s.photos, s.findings, s.corrects, s.reason, s.verified,
        accepted, s.rules, s.unchecked,
    )  # fmt: skip


class TpsResults:
    def __init__(
        self, model: ReadModel, db: Database, reads: AsyncReads | None, simulated: bool, histories: TpsHistories
    ) -> None:
        self.model, self.db, self.reads, self.simulated, self.histories = model, db, reads, simulated, histories

    def detail(self, code: str) -> TpsView:
        history = self.histories.get(code)
        if history is None:
            before = self.histories.mark()
            with self.db.reader.connect() as conn:
                history = self._remembered(code, stored.tps_history(conn, code), before)
        return self._view(code, history)

    async def detail_async(self, code: str) -> TpsView:
        """`detail` for the event loop: from the history in memory, else on PostgreSQL the query is awaited on the
        loop, elsewhere it runs in a thread."""
        history = self.histories.get(code)
        if history is not None:
            return self._view(code, history)
        if self.reads is None:
            return await asyncio.to_thread(self.detail, code)
        before = self.histories.mark()
        return self._view(code, self._remembered(code, await stored.tps_history_async(self.reads, code), before))

    def _remembered(
        self, code: str, history: stored.TpsHistory | None, before: tuple[int, int]
    ) -> stored.TpsHistory | None:
        if history is not None:
            self.histories.remember(code, history, before)
        return history

    def _view(self, code: str, history: stored.TpsHistory | None) -> TpsView:
        if history is None:
            raise UnknownTps(f"no TPS {code!r}", field="tps_code")
        structure = self.model.structure
        tps = history.tps
        kelurahan = RegionRef.of(known(structure.tree, tps.kelurahan))
        results = []
        for c in sorted(structure.contests.values(), key=lambda c: c.id):
            if not is_within(tps.kelurahan, c.scope):
                continue
            acc = history.accepted.get(c.id)
            results.append(
                ContestResultView(
                    c.id,
                    asdict(acc) if acc else None,
                    bool(acc and acc.disagreement),
                    [_submission(s, acc) for s in history.submissions if s.contest == c.id],
                )
            )
        path = [*(RegionRef.of(r) for r in structure.tree.ancestors(tps.kelurahan)), kelurahan]
        return TpsView(
            tps.code, tps.number, kelurahan, path, tps.dpt, tps.dpt_male, tps.dpt_female, tps.address, tps.lat_e6,
            tps.lon_e6, self.simulated, results,
        )  # fmt: skip

    def kelurahan(self, contest_id: str, kelurahan: str) -> list[TpsStatus]:
        """Every TPS of a kelurahan with its accepted result (if any) and status in one contest."""
        with self.db.reader.connect() as conn:
            tps = stored_regions.kelurahan_tps(conn, kelurahan)
            codes = [r.code for r in tps]
            accepted = stored.accepted_of(conn, contest_id, codes)
            corrected = stored.corrected_of(conn, contest_id, codes)
        out = []
        for r in tps:
            a = accepted.get(r.code)
            if a is None:
                out.append(TpsStatus(r.code, r.number, r.dpt, "not_in"))
                continue
            status = status_of(True, a.disagreement, bool(a.findings), a.source == "correction" or r.code in corrected)
            out.append(TpsStatus(r.code, r.number, r.dpt, status, a.votes, a.valid, a.invalid, a.voters, a.at))
        return out

    def photo_reports(self, code: str) -> list[PhotoReportView]:
        """The C1 photos sent for a TPS without numbers, in log order."""
        with self.db.reader.connect() as conn:
            rows = stored_people.photo_reports_of(conn, code)
        return [PhotoReportView(r["seq"], r["at"], r["contest"], r["source"], r["photos"].split()) for r in rows]

    def photo_sizes(self, hashes: list[str], variant: str = "view") -> dict[str, tuple[int, int]]:
        """Pixel size of each photo's public copy, so a page can reserve its space before it loads."""
        box = PHOTO_VARIANTS[variant]
        with self.db.reader.connect() as conn:
            originals = stored_photos.sizes(conn, hashes)
        out = {}
        for sha, (w, h) in originals.items():
            side = max(w, h)
            # the public copy is shrunk to fit the box, never enlarged (PIL thumbnail)
            out[sha] = (w, h) if side <= box else (w * box // side, h * box // side)
        return out
