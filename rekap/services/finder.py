"""'Find my TPS': a citizen's NIK with their birth date (or name) gives back only their TPS, its address and a
masked name. Rate-limited per address and per NIK, no listing, and the same work whether or not the NIK is in
the register, so that neither the answer's timing nor its shape tells who is registered."""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass

from rekap.domain.errors import InvalidInput, RateLimited, UnknownTps
from rekap.domain.limits import Window
from rekap.domain.register import birth_day, check_nik, mask_name, nik_digest, normal_name
from rekap.services.directory import Directory, TpsInfo
from rekap.services.register import RegisterKey
from rekap.store import register as stored
from rekap.store.db import Database

#: a key for the lookups made before any register exists: the work is the same, nothing can match
_NO_KEY = b"\0" * 32
_NOBODY = ("", "0000-00-00", "")


@dataclass(frozen=True, slots=True)
class Found:
    masked_name: str
    tps: TpsInfo


class TpsFinder:
    def __init__(
        self,
        db: Database,
        key: RegisterKey,
        directory: Directory,
        per_ip: Window | None = None,
        per_nik: Window | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db, self.key, self.directory = db, key, directory
        self.per_ip = per_ip or Window(20, 60.0)  # a family looking up its members, not a script
        self.per_nik = per_nik or Window(5, 600.0)  # guessing a birth date: five tries per ten minutes
        self.clock = clock

    def find(self, nik: str, ip: str, birth_date: str = "", name: str = "") -> Found | None:
        """The voter's TPS, or None when no voter of the current register has this NIK with this birth date
        (or name). RateLimited (with the seconds to wait) before any lookup when the address or NIK tried too
        often; every attempt counts, found or not."""
        nik = check_nik(nik)
        if not birth_date.strip() and not name.strip():
            raise InvalidInput("give the birth date or the name as on the KTP", field="birth_date")
        birth = birth_day(birth_date) if birth_date.strip() else ""
        key = self.key.get() or _NO_KEY
        digest = nik_digest(key, nik)
        now = self.clock()
        wait = max(self.per_ip.wait(ip, now), self.per_nik.wait(digest, now))
        if wait > 0:
            seconds = int(wait) + 1
            raise RateLimited(
                f"too many lookups; try again in {seconds} seconds", field="nik", extra={"retry_after": seconds}
            )
        self.per_ip.hit(ip, now)
        self.per_nik.hit(digest, now)
        # constant work: one indexed read whatever the NIK, every comparison made, the TPS read either way
        with self.db.reader.connect() as conn:
            current = stored.current_version(conn)
            row = stored.voter(conn, current.version if current else 0, digest)
        stored_name, stored_birth, tps_code = (row.name, row.birth_date, row.tps) if row is not None else _NOBODY
        birth_ok = hmac.compare_digest(stored_birth.encode(), birth.encode()) if birth else False
        name_ok = hmac.compare_digest(normal_name(stored_name).encode(), normal_name(name).encode()) if name else False
        masked = mask_name(stored_name or "x" * 12)
        tps = self._tps_or_none(tps_code)
        if row is None or not (birth_ok or name_ok) or tps is None:
            return None
        return Found(masked, tps)

    def _tps_or_none(self, code: str) -> TpsInfo | None:
        try:
            return self.directory.tps(code or "-")  # the same read for a miss as for a hit
        except UnknownTps:
            return None
