"""Photos of a TPS's C1 sent without numbers (a volunteer's, usually): logged so they can be digitised later."""

from __future__ import annotations

from collections.abc import Sequence

from rekap.domain.errors import Forbidden, InvalidInput, UnknownContest, UnknownTps
from rekap.domain.fold import State
from rekap.domain.log import Draft
from rekap.domain.regions import is_within
from rekap.domain.submission import Reporter

MAX_PHOTOS = 20


def plan_photos_reported(state: State, tps: str, contest: str, photos: Sequence[str], who: Reporter) -> Draft:
    t = state.tps.get(tps)
    if t is None:
        raise UnknownTps(f"no TPS {tps!r}", field="tps")
    c = state.contests.get(contest)
    if c is None:
        raise UnknownContest(f"no contest {contest!r}", field="contest")
    if not is_within(t.kelurahan, c.scope):
        raise InvalidInput(f"TPS {tps} is outside the scope {c.scope} of {contest}", field="tps")
    if not is_within(t.kelurahan, who.scope) or (who.tps is not None and who.tps != tps):
        raise Forbidden(f"you may not report photos for TPS {tps}", field="tps")
    if not photos or len(photos) > MAX_PHOTOS:
        raise InvalidInput(f"send 1 to {MAX_PHOTOS} photos", field="photos")
    payload = {
        "tps": tps,
        "contest": contest,
        "photos": list(photos),
        "source": {"kind": who.source.kind, "candidate": who.source.candidate},
    }
    return Draft("photos.reported", payload, who.actor)
