"""Folding the entries about people and switches: grants given and revoked, users (de)activated, contests locked.

Only ids, roles and scopes: the state knows which grant may do what, so `rekap verify` can re-check that each
result was reported by a grant that covered its TPS when it was logged."""

from __future__ import annotations

from rekap.domain.fold.state import Changes, State
from rekap.domain.grants import Grant
from rekap.domain.log import Entry


def grants_given(state: State, entry: Entry) -> Changes:
    for gid, user, role, scope, candidate in entry.payload["rows"]:
        state.grants[gid] = Grant(gid, user, role, scope, candidate)
    return Changes()


def grant_revoked(state: State, entry: Entry) -> Changes:
    state.grants.pop(entry.payload["id"], None)
    return Changes()


def user_activated(state: State, entry: Entry) -> Changes:
    return Changes()


def user_deactivated(state: State, entry: Entry) -> Changes:
    user = entry.payload["user"]
    state.deactivated.add(user)
    for gid in [g.id for g in state.grants.values() if g.user == user]:
        del state.grants[gid]
    return Changes()


def contest_locked(state: State, entry: Entry) -> Changes:
    if entry.payload["locked"]:
        state.locked.add(entry.payload["contest"])
    else:
        state.locked.discard(entry.payload["contest"])
    return Changes()
