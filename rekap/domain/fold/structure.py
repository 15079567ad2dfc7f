"""Folding the entries that lay out the election: regions, TPS, elections and contests, plenary stream links."""

from __future__ import annotations

import sys
from typing import Any

from rekap.domain.contest import Candidate, Contest, Election
from rekap.domain.fold.state import Changes, State
from rekap.domain.fold.totals import Totals
from rekap.domain.log import Entry
from rekap.domain.regions import NATION, Region, is_within
from rekap.domain.tps import Tps


def regions_imported(state: State, entry: Entry) -> Changes:
    ch = Changes()
    for code, name, level, parent in entry.payload["rows"]:
        r = Region(code, name, level, parent or NATION)
        state.regions[code] = r
        ch.regions.append(r)
    return ch


def _touch(t: Totals, entry: Entry) -> None:
    t.last_seq, t.updated_at = entry.seq, entry.at


def tps_imported(state: State, entry: Entry) -> Changes:
    ch = Changes()
    cols = entry.payload["columns"]
    in_order = tuple(cols) == Tps._fields  # as rekap's importer writes them: no dict per row
    for row in entry.payload["rows"]:
        t = _tps_of(row) if in_order and len(row) == len(cols) else _tps_of_record(dict(zip(cols, row, strict=True)))
        old = state.tps.get(t.code)
        state.tps[t.code] = t
        ch.tps.append(t)
        for contest in state.contests.values():
            if not is_within(t.kelurahan, contest.scope):
                continue
            acc = state.accepted.get((t.code, contest.id))
            reported = acc is not None and not acc.held
            keys, path = state.totals_on_path(t.kelurahan, contest)
            dpt_change = (t.dpt or 0) - ((old.dpt or 0) if old else 0)  # an unknown DPT adds nothing
            for tot in path:
                tot.tps_total += 0 if old else 1
                tot.dpt_total += dpt_change
                if reported:
                    tot.dpt_reported += dpt_change
                _touch(tot, entry)
            ch.totals.update(keys)
    return ch


def _tps_of(row: list[Any]) -> Tps:
    code, kelurahan, *rest = row
    return Tps(code, sys.intern(kelurahan), *rest)  # one string per kelurahan, not one per TPS


def _tps_of_record(rec: dict[str, Any]) -> Tps:
    rec["kelurahan"] = sys.intern(rec["kelurahan"])
    return Tps(**rec)


def election_defined(state: State, entry: Entry) -> Changes:
    ch = Changes()
    e = entry.payload["election"]
    contests = []
    for c in entry.payload["contests"]:
        cands = tuple(
            Candidate(k["number"], tuple(k["names"]), k.get("party", ""), k.get("color", "")) for k in c["candidates"]
        )
        contests.append(Contest(c["id"], e["id"], c["name"], c["scope"], cands))
    bounds = {k: e[k] for k in ("ballot_reserve_permille", "max_voters_per_tps") if e.get(k) is not None}
    election = Election(e["id"], e["name"], e.get("date", ""), tuple(c.id for c in contests), **bounds)
    state.elections[election.id] = election
    ch.elections.append(election)
    for contest in contests:
        known = contest.id in state.contests
        state.contests[contest.id] = contest
        ch.contests.append(contest)
        if known:  # a redefinition may rename, never re-scope: the TPS counted stay the same
            continue
        ch.totals.add((contest.scope, contest.id))
        _touch(state.totals_of(contest.scope, contest.id), entry)
        for kelurahan, (count, dpt) in _tps_per_kelurahan(state, contest.scope).items():
            keys, path = state.totals_on_path(kelurahan, contest)
            for tot in path:
                tot.tps_total += count
                tot.dpt_total += dpt
                _touch(tot, entry)
            ch.totals.update(keys)
    return ch


def _tps_per_kelurahan(state: State, scope: str) -> dict[str, tuple[int, int]]:
    """How many TPS and voters each kelurahan within `scope` has: a new contest adds them up the path once
    per kelurahan rather than once per TPS."""
    count: dict[str, int] = {}
    dpt: dict[str, int] = {}
    for t in state.tps.values():
        count[t.kelurahan] = count.get(t.kelurahan, 0) + 1
        dpt[t.kelurahan] = dpt.get(t.kelurahan, 0) + (t.dpt or 0)
    return {k: (n, dpt[k]) for k, n in count.items() if is_within(k, scope)}


def stream_set(state: State, entry: Entry) -> Changes:
    region, url = entry.payload["region"], entry.payload["url"]
    if url:
        state.streams[region] = url
    else:
        state.streams.pop(region, None)
    return Changes(streams=[(region, url)])


def nothing(state: State, entry: Entry) -> Changes:
    """Entries that change no projection (tokens): recorded in the log, folded into nothing."""
    return Changes()


def schedule_set(state: State, entry: Entry) -> Changes:
    stages = entry.payload["stages"]
    state.schedules[entry.payload["election"]] = tuple((s["id"], s["name"], s["start"], s["end"]) for s in stages)
    return Changes()


def committees_imported(state: State, entry: Entry) -> Changes:
    """The names live in an internal table; the log holds their count and hash, the fold the hash."""
    state.committees_hash = entry.payload["sha256"]
    return Changes()


def register_imported(state: State, entry: Entry) -> Changes:
    """The register lives in an internal table; its DPT per TPS comes as the tps.imported entries after it."""
    p = entry.payload
    state.register_versions.append((p["version"], p["kind"], p["rows"], p["sha256"]))
    return Changes()
