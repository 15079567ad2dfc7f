"""The one fold: `apply(state, entry)` turns the log into the projection and the totals of every tier.

`apply` does no I/O and depends only on the state and the entry, so the server, `rekap rebuild` and `rekap
verify` all get the same answer from the same log. It updates the state in place (a national election does not
fit in copies) and returns what changed, so a store can persist just that. Each kind of entry has its handler:
the layout of the election in `structure`, submissions in `results`.
"""

from __future__ import annotations

from collections.abc import Callable

from rekap.domain.fold import people, recaps, results, structure
from rekap.domain.fold.results import RANKS, rank_of
from rekap.domain.fold.state import Accepted, Changes, LoggedSubmission, Recap, State, TotalsPath
from rekap.domain.fold.totals import TOTALS_COUNTS, Totals, add_along
from rekap.domain.log import Entry

__all__ = [
    "HANDLERS",
    "RANKS",
    "TOTALS_COUNTS",
    "Accepted",
    "Changes",
    "LoggedSubmission",
    "Recap",
    "State",
    "Totals",
    "TotalsPath",
    "add_along",
    "apply",
    "rank_of",
]

Handler = Callable[[State, Entry], Changes]

#: every kind of entry the log may hold, and how it folds
HANDLERS: dict[str, Handler] = {
    "regions.imported": structure.regions_imported,
    "tps.imported": structure.tps_imported,
    "election.defined": structure.election_defined,
    "result.submitted": results.result_submitted,
    "token.created": structure.nothing,
    "token.revoked": structure.nothing,
    "stream.set": structure.stream_set,
    "recap.started": recaps.recap_step,
    "recap.entered": recaps.recap_step,
    "recap.signed_off": recaps.recap_step,
    "recap.reopened": recaps.recap_step,
    "result.confirmed": results.result_confirmed,
    "grants.given": people.grants_given,
    "grant.revoked": people.grant_revoked,
    "user.activated": people.user_activated,
    "user.deactivated": people.user_deactivated,
    "contest.locked": people.contest_locked,
    "photos.reported": results.photos_reported,
    "schedule.set": structure.schedule_set,
    "committees.imported": structure.committees_imported,
    "register.imported": structure.register_imported,
}

#: the kinds that change results rather than the layout of the election
RESULT_KINDS = frozenset({"result.submitted", "result.confirmed"})
#: the kinds that change what one TPS's page shows, or nothing public at all (who may act): a crowd of volunteers'
#: photos or 7,000 officers activating their accounts in the morning must not make every cached page stale
UNSEEN_BY_LAYOUT = RESULT_KINDS | {
    "photos.reported",
    "token.created",
    "token.revoked",
    "grants.given",
    "grant.revoked",
    "user.activated",
    "user.deactivated",
}


def apply(state: State, entry: Entry) -> Changes:
    changes = HANDLERS[entry.kind](state, entry)
    state.seq, state.head = entry.seq, entry.hash
    if entry.kind not in UNSEEN_BY_LAYOUT:
        state.structure_seq = entry.seq
    return changes
