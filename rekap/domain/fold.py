"""The one fold: `apply(state, entry)` turns the log into the projection and the totals of every tier.

`apply` does no I/O and depends only on the state and the entry, so the server, `rekap rebuild` and
`rekap verify` all get the same answer from the same log. It updates the state in place (a national
election does not fit in copies) and returns what changed so a store can persist just that.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from rekap.domain.contest import Candidate, Contest, Election
from rekap.domain.log import Entry
from rekap.domain.regions import NATION, NATION_NAME, Region, is_within, path_of
from rekap.domain.result import Result, Source
from rekap.domain.rules import Finding, check_arithmetic, check_register
from rekap.domain.tps import Tps

#: Which submission becomes the accepted result of a TPS×contest: the highest rank wins and,
#: within a rank, the latest. Witnesses are recorded and compared but never accepted.
RANKS = {"witness": 0, "import": 1, "volunteer": 2, "officer": 3, "correction": 4}


def rank_of(source: Source, verified: bool) -> int:
    return RANKS["correction"] if verified else RANKS[source.kind]


@dataclass(slots=True)
class Accepted:
    seq: int
    rank: int
    source: str
    result: Result
    findings: tuple[Finding, ...]
    at: str

    @property
    def flagged(self) -> bool:
        return bool(self.findings)


#: The counts a Totals row carries besides the votes per candidate, in the order tables and downloads show them.
TOTALS_COUNTS = (
    "valid",
    "invalid",
    "voters",
    "tps_reported",
    "tps_total",
    "dpt_reported",
    "dpt_total",
    "flagged",
    "disagreements",
)


@dataclass(slots=True)
class Totals:
    votes: dict[int, int] = field(default_factory=dict)
    valid: int = 0
    invalid: int = 0
    voters: int = 0
    tps_reported: int = 0
    tps_total: int = 0
    dpt_reported: int = 0
    dpt_total: int = 0
    flagged: int = 0
    disagreements: int = 0
    last_seq: int = 0
    updated_at: str = ""

    def copy(self) -> Totals:
        """A copy that shares nothing (the constructor by position: several times faster than replace)."""
        return Totals(dict(self.votes), self.valid, self.invalid, self.voters, self.tps_reported, self.tps_total,
                      self.dpt_reported, self.dpt_total, self.flagged, self.disagreements, self.last_seq,
                      self.updated_at)  # fmt: skip

    def add_result(self, r: Result, sign: int) -> None:
        for number, v in r.votes.items():
            self.votes[number] = self.votes.get(number, 0) + sign * v
        self.valid += sign * r.valid
        self.invalid += sign * r.invalid
        self.voters += sign * r.voters


@dataclass(slots=True)
class Submission:
    seq: int
    tps: str
    contest: str
    source: Source
    result: Result
    photos: tuple[str, ...]
    findings: tuple[Finding, ...]
    corrects: int | None
    reason: str | None
    verified: bool
    actor: str
    at: str


@dataclass(slots=True)
class Changes:
    """What one entry changed; the store persists exactly these."""

    regions: list[Region] = field(default_factory=list)
    tps: list[Tps] = field(default_factory=list)
    contests: list[Contest] = field(default_factory=list)
    elections: list[Election] = field(default_factory=list)
    submissions: list[Submission] = field(default_factory=list)
    accepted: set[tuple[str, str]] = field(default_factory=set)
    totals: set[tuple[str, str]] = field(default_factory=set)
    streams: list[tuple[str, str]] = field(default_factory=list)

    def merge(self, other: Changes) -> None:
        self.regions += other.regions
        self.tps += other.tps
        self.contests += other.contests
        self.elections += other.elections
        self.submissions += other.submissions
        self.accepted |= other.accepted
        self.totals |= other.totals
        self.streams += other.streams


#: the keys and the totals of the regions a result adds up to (see State.totals_on_path)
Path = tuple[tuple[tuple[str, str], ...], tuple[Totals, ...]]


@dataclass(slots=True)
class State:
    seq: int = 0
    head: str = "0" * 64
    regions: dict[str, Region] = field(default_factory=lambda: {NATION: Region(NATION, NATION_NAME, 0, "")})
    tps: dict[str, Tps] = field(default_factory=dict)
    elections: dict[str, Election] = field(default_factory=dict)
    contests: dict[str, Contest] = field(default_factory=dict)
    accepted: dict[tuple[str, str], Accepted] = field(default_factory=dict)
    #: the latest result each source label reported, per TPS×contest (the accepted one is the same object)
    latest_by_source: dict[tuple[str, str], dict[str, Result]] = field(default_factory=dict)
    disagreeing: set[tuple[str, str]] = field(default_factory=set)
    totals: dict[tuple[str, str], Totals] = field(default_factory=dict)
    streams: dict[str, str] = field(default_factory=dict)
    submission_count: int = 0
    tps_seq: dict[str, int] = field(default_factory=dict)  # last submission per TPS: versions TPS answers
    structure_seq: int = 0  # last entry that changed names, TPS, contests or streams rather than results
    _paths: dict[tuple[str, str], Path] = field(default_factory=dict)

    def totals_on_path(self, kelurahan: str, contest: Contest) -> Path:
        """The keys and the totals of every region from `kelurahan` up to the contest's scope, nearest first.

        Cached per kelurahan and contest: a result changes all of them, and a contest never changes scope."""
        p = self._paths.get((kelurahan, contest.id))
        if p is None:
            keys = tuple((c, contest.id) for c in path_of(kelurahan) if is_within(c, contest.scope))
            p = self._paths[(kelurahan, contest.id)] = (keys, tuple(self.totals_of(*k) for k in keys))
        return p

    def totals_of(self, region: str, contest: str) -> Totals:
        t = self.totals.get((region, contest))
        if t is None:
            t = self.totals[(region, contest)] = Totals()
        return t


def apply(state: State, entry: Entry) -> Changes:
    changes = _HANDLERS[entry.kind](state, entry)
    state.seq, state.head = entry.seq, entry.hash
    if entry.kind != "result.submitted":
        state.structure_seq = entry.seq
    return changes


def _regions_imported(state: State, entry: Entry) -> Changes:
    ch = Changes()
    for code, name, level, parent in entry.payload["rows"]:
        r = Region(code, name, level, parent or NATION)
        state.regions[code] = r
        ch.regions.append(r)
    return ch


def _touch(t: Totals, entry: Entry) -> None:
    t.last_seq, t.updated_at = entry.seq, entry.at


def _tps_imported(state: State, entry: Entry) -> Changes:
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
            reported = (t.code, contest.id) in state.accepted
            keys, path = state.totals_on_path(t.kelurahan, contest)
            for tot in path:
                tot.tps_total += 0 if old else 1
                tot.dpt_total += t.dpt - (old.dpt if old else 0)
                if reported:
                    tot.dpt_reported += t.dpt - (old.dpt if old else 0)
                _touch(tot, entry)
            ch.totals.update(keys)
    return ch


def _tps_of(row: list[Any]) -> Tps:
    code, kelurahan, *rest = row
    return Tps(code, sys.intern(kelurahan), *rest)  # one string per kelurahan, not one per TPS


def _tps_of_record(rec: dict[str, Any]) -> Tps:
    rec["kelurahan"] = sys.intern(rec["kelurahan"])
    return Tps(**rec)


def _election_defined(state: State, entry: Entry) -> Changes:
    ch = Changes()
    e = entry.payload["election"]
    contests = []
    for c in entry.payload["contests"]:
        cands = tuple(
            Candidate(k["number"], tuple(k["names"]), k.get("party", ""), k.get("color", "")) for k in c["candidates"]
        )
        contests.append(Contest(c["id"], e["id"], c["name"], c["scope"], cands))
    election = Election(e["id"], e["name"], e.get("date", ""), tuple(c.id for c in contests))
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
        dpt[t.kelurahan] = dpt.get(t.kelurahan, 0) + t.dpt
    return {k: (n, dpt[k]) for k, n in count.items() if is_within(k, scope)}


def findings_for(state: State, tps_code: str, result: Result) -> tuple[Finding, ...]:
    return (*check_arithmetic(result), *check_register(result, state.tps[tps_code].dpt))


@cache
def _source(kind: str, candidate: int | None) -> Source:
    """One Source object per kind and candidate, however many entries name it."""
    return Source(kind, candidate)


def _result_submitted(state: State, entry: Entry) -> Changes:
    p = entry.payload
    tps = state.tps[p["tps"]]
    # keys made of shared strings: one copy of each TPS code and contest id, not one per dict that holds it
    key = (tps.code, sys.intern(p["contest"]))
    src = p["source"]
    source = _source(src["kind"], src.get("candidate"))
    result = Result.from_payload(p["result"])
    verified = bool(p.get("verified"))
    findings = findings_for(state, key[0], result)
    sub = Submission(
        entry.seq,
        key[0],
        key[1],
        source,
        result,
        tuple(p.get("photos", ())),
        findings,
        p.get("corrects"),
        p.get("reason"),
        verified,
        entry.actor,
        entry.at,
    )
    state.submission_count += 1
    state.tps_seq[key[0]] = entry.seq
    ch = Changes(submissions=[sub])

    # a verified correction speaks for the officer: it replaces the officer's figure in comparisons
    label = "officer" if verified else source.label
    latest = state.latest_by_source.get(key)
    if latest is None:
        latest = state.latest_by_source[key] = {}
    latest[label] = result
    was_disagreeing = key in state.disagreeing
    now_disagreeing = len(latest) > 1 and len({r.signature() for r in latest.values()}) > 1
    if now_disagreeing:
        state.disagreeing.add(key)
    else:
        state.disagreeing.discard(key)

    old = state.accepted.get(key)
    rank = rank_of(source, verified)
    new = old
    if rank > 0 and (old is None or rank >= old.rank):
        new = Accepted(entry.seq, rank, label if not verified else "correction", result, findings, entry.at)
        state.accepted[key] = new
        ch.accepted.add(key)
    if was_disagreeing != now_disagreeing and key in state.accepted:
        ch.accepted.add(key)
    if new is old and was_disagreeing == now_disagreeing:
        return ch

    contest = state.contests[key[1]]
    delta = Totals(disagreements=now_disagreeing - was_disagreeing)
    if new is not old and new is not None:
        delta.add_result(new.result, +1)
        delta.flagged = new.flagged - (old.flagged if old else 0)
        if old is not None:
            delta.add_result(old.result, -1)
        else:
            delta.tps_reported, delta.dpt_reported = 1, tps.dpt
    keys, path = state.totals_on_path(tps.kelurahan, contest)
    _add_along(path, delta, entry)
    ch.totals.update(keys)
    return ch


def _add_along(path: tuple[Totals, ...], d: Totals, entry: Entry) -> None:
    """Add one entry's delta to every region on its path: the delta is read once, not once a region."""
    votes = tuple(d.votes.items())
    valid, invalid, voters, flagged = d.valid, d.invalid, d.voters, d.flagged
    tps_reported, dpt_reported, disagreements = d.tps_reported, d.dpt_reported, d.disagreements
    seq, at = entry.seq, entry.at
    for t in path:
        tv = t.votes
        for number, v in votes:
            tv[number] = tv.get(number, 0) + v
        t.valid += valid
        t.invalid += invalid
        t.voters += voters
        t.tps_reported += tps_reported
        t.dpt_reported += dpt_reported
        t.flagged += flagged
        t.disagreements += disagreements
        t.last_seq, t.updated_at = seq, at


def _nothing(state: State, entry: Entry) -> Changes:
    return Changes()


def _stream_set(state: State, entry: Entry) -> Changes:
    region, url = entry.payload["region"], entry.payload["url"]
    if url:
        state.streams[region] = url
    else:
        state.streams.pop(region, None)
    return Changes(streams=[(region, url)])


_HANDLERS = {
    "regions.imported": _regions_imported,
    "tps.imported": _tps_imported,
    "election.defined": _election_defined,
    "result.submitted": _result_submitted,
    "token.created": _nothing,
    "token.revoked": _nothing,
    "stream.set": _stream_set,
}
