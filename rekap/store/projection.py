"""Writing what the fold changed into the projection tables, row by row or all at once on rebuild."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Connection, Table, delete

from rekap.domain.contest import Contest, Election
from rekap.domain.fold import Accepted, Changes, State, Submission, Totals
from rekap.domain.log import canonical_text
from rekap.domain.regions import NATION, Region
from rekap.domain.tps import Tps
from rekap.store import batch
from rekap.store import tables as t

CHUNK = 5000


def insert_all(conn: Connection, table: Table, rows: Iterable[dict[str, Any]]) -> None:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= CHUNK:
            conn.execute(table.insert(), batch)
            batch = []
    if batch:
        conn.execute(table.insert(), batch)


def region_row(r: Region) -> dict[str, Any]:
    return {"code": r.code, "name": r.name, "level": r.level, "parent": r.parent}


def tps_row(x: Tps) -> dict[str, Any]:
    return {
        "code": x.code,
        "kelurahan": x.kelurahan,
        "number": x.number,
        "dpt": x.dpt,
        "dpt_male": x.dpt_male,
        "dpt_female": x.dpt_female,
        "address": x.address,
        "lat_e6": x.lat_e6,
        "lon_e6": x.lon_e6,
    }


def contest_row(c: Contest) -> dict[str, Any]:
    cands = [{"number": k.number, "names": list(k.names), "party": k.party, "color": k.color} for k in c.candidates]
    return {"id": c.id, "election": c.election, "name": c.name, "scope": c.scope, "candidates": json.dumps(cands)}


def election_row(e: Election) -> dict[str, Any]:
    return {"id": e.id, "name": e.name, "date": e.date}


def submission_row(s: Submission) -> dict[str, Any]:
    return {
        "seq": s.seq,
        "tps": s.tps,
        "contest": s.contest,
        "source_kind": s.source.kind,
        "source_candidate": s.source.candidate,
        "result": canonical_text(s.result.to_payload()),
        "photos": json.dumps(list(s.photos)),
        "findings": json.dumps([f.to_payload() for f in s.findings]),
        "corrects": s.corrects,
        "reason": s.reason,
        "verified": s.verified,
        "actor": s.actor,
        "at": s.at,
    }


def accepted_row(key: tuple[str, str], a: Accepted, disagreement: bool) -> dict[str, Any]:
    r = a.result
    return {
        "tps": key[0],
        "contest": key[1],
        "seq": a.seq,
        "source": a.source,
        "votes": json.dumps({str(k): v for k, v in sorted(r.votes.items())}),
        "valid": r.valid,
        "invalid": r.invalid,
        "used": r.used,
        "unused": r.unused,
        "damaged": r.damaged,
        "dpt": r.dpt,
        "dptb": r.dptb,
        "dpk": r.dpk,
        "voters": r.voters,
        "findings": json.dumps([f.to_payload() for f in a.findings]),
        "disagreement": disagreement,
        "at": a.at,
    }


def totals_row(key: tuple[str, str], x: Totals) -> dict[str, Any]:
    return {
        "region": key[0],
        "contest": key[1],
        "votes": json.dumps({str(k): v for k, v in sorted(x.votes.items())}),
        "valid": x.valid,
        "invalid": x.invalid,
        "voters": x.voters,
        "tps_reported": x.tps_reported,
        "tps_total": x.tps_total,
        "dpt_reported": x.dpt_reported,
        "dpt_total": x.dpt_total,
        "flagged": x.flagged,
        "disagreements": x.disagreements,
        "last_seq": x.last_seq,
        "updated_at": x.updated_at,
    }


def changed_rows(state: State, ch: Changes) -> list[batch.Part]:
    """The rows one entry's (or one batch's) changes write, by table; the streams go by `persist_streams`."""
    return [
        (t.regions, [region_row(r) for r in {r.code: r for r in ch.regions}.values()], True),
        (t.tps, [tps_row(x) for x in {x.code: x for x in ch.tps}.values()], True),
        (t.elections, [election_row(e) for e in {e.id: e for e in ch.elections}.values()], True),
        (t.contests, [contest_row(c) for c in {c.id: c for c in ch.contests}.values()], True),
        (t.submissions, [submission_row(s) for s in ch.submissions], False),
        (t.accepted, [accepted_row(k, state.accepted[k], k in state.disagreeing) for k in sorted(ch.accepted)], True),
        (t.totals, [totals_row(k, state.totals[k]) for k in sorted(ch.totals)], True),
    ]


def persist_streams(conn: Connection, ch: Changes) -> None:
    for region, url in ch.streams:
        conn.execute(delete(t.streams).where(t.streams.c.region == region))
        if url:
            conn.execute(t.streams.insert(), {"region": region, "url": url})


def all_rows(state: State) -> Iterator[tuple[Table, Iterable[dict[str, Any]]]]:
    yield t.regions, (region_row(r) for r in state.regions.values() if r.code != NATION)
    yield t.tps, (tps_row(x) for x in state.tps.values())
    yield t.elections, (election_row(e) for e in state.elections.values())
    yield t.contests, (contest_row(c) for c in state.contests.values())
    yield t.accepted, (accepted_row(k, a, k in state.disagreeing) for k, a in state.accepted.items())
    yield t.totals, (totals_row(k, x) for k, x in state.totals.items())
    yield t.streams, ({"region": r, "url": u} for r, u in state.streams.items())
