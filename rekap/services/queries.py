"""Read models for the API and pages: contests, regions with children, totals with progress, TPS detail, log."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection, func, select, true

from rekap.domain.errors import UnknownContest, UnknownRegion, UnknownTps
from rekap.domain.regions import NATION, NATION_NAME, is_within, level_of
from rekap.services.context import Context
from rekap.store import tables as t
from rekap.store.ledger import entry_from_row


class RegionRef(BaseModel):
    code: str
    name: str
    level: int


class CandidateOut(BaseModel):
    number: int
    names: list[str]
    party: str = ""
    color: str = ""


class ContestOut(BaseModel):
    id: str
    election: str
    election_name: str
    name: str
    scope: str
    candidates: list[CandidateOut]


class RegionOut(RegionRef):
    parent: RegionRef | None
    path: list[RegionRef]
    children: list[RegionRef]
    tps_count: int
    stream_url: str | None = None


class Progress(BaseModel):
    tps_reported: int
    tps_total: int
    dpt_reported: int
    dpt_total: int


class CandidateVotes(BaseModel):
    number: int
    votes: int


class TotalsCore(BaseModel):
    region: RegionRef
    votes: list[CandidateVotes]
    valid: int
    invalid: int
    voters: int
    progress: Progress
    flagged: int
    disagreements: int
    last_seq: int
    updated_at: str


class TotalsOut(TotalsCore):
    contest: str
    provisional: bool = True
    simulated: bool
    note: str
    path: list[RegionRef]
    children: list[TotalsCore]


class SubmissionOut(BaseModel):
    seq: int
    hash: str
    at: str
    source: str
    actor_role: str
    result: dict[str, Any]
    photos: list[str]
    findings: list[dict[str, Any]]
    corrects: int | None
    reason: str | None
    verified: bool
    accepted: bool


class ContestResultOut(BaseModel):
    contest: str
    accepted: dict[str, Any] | None
    disagreement: bool
    submissions: list[SubmissionOut]


class TpsOut(BaseModel):
    code: str
    number: int
    kelurahan: RegionRef
    path: list[RegionRef]
    dpt: int
    dpt_male: int | None
    dpt_female: int | None
    address: str | None
    lat_e6: int | None
    lon_e6: int | None
    simulated: bool
    results: list[ContestResultOut]


class LogEntryOut(BaseModel):
    seq: int
    prev_hash: str
    hash: str
    kind: str
    payload: dict[str, Any]
    actor: str
    at: str


class LogPage(BaseModel):
    entries: list[LogEntryOut]
    next_after: int | None


class LogHead(BaseModel):
    seq: int
    hash: str
    at: str | None


PROVISIONAL_NOTE = (
    "Provisional real count from C1 forms as they arrive; the legal result is the one "
    "announced at the recapitulation plenary."
)


def _region_ref(conn: Connection, code: str) -> RegionRef:
    if code == NATION:
        return RegionRef(code=NATION, name=NATION_NAME, level=0)
    row = conn.execute(select(t.regions).where(t.regions.c.code == code)).first()
    if row is None:
        raise UnknownRegion(f"no region {code!r}", field="region_code")
    return RegionRef(code=row.code, name=row.name, level=row.level)


def _path(conn: Connection, code: str) -> list[RegionRef]:
    parts = code.split(".") if code != NATION else []
    codes = [".".join(parts[:i]) for i in range(1, len(parts))]
    rows = {r.code: r for r in conn.execute(select(t.regions).where(t.regions.c.code.in_(codes)))} if codes else {}
    out = [RegionRef(code=NATION, name=NATION_NAME, level=0)]
    out += [RegionRef(code=c, name=rows[c].name, level=rows[c].level) for c in codes if c in rows]
    return out


def _children(conn: Connection, code: str) -> list[RegionRef]:
    rows = conn.execute(select(t.regions).where(t.regions.c.parent == code).order_by(t.regions.c.code)).all()
    return [RegionRef(code=r.code, name=r.name, level=r.level) for r in rows]


def _contest_out(row: Any, election_names: dict[str, str]) -> ContestOut:
    return ContestOut(
        id=row.id,
        election=row.election,
        election_name=election_names.get(row.election, ""),
        name=row.name,
        scope=row.scope,
        candidates=[CandidateOut(**c) for c in json.loads(row.candidates)],
    )


def list_contests(ctx: Context) -> list[ContestOut]:
    with ctx.db.reader.connect() as conn:
        names = {r.id: r.name for r in conn.execute(select(t.elections))}
        return [_contest_out(r, names) for r in conn.execute(select(t.contests).order_by(t.contests.c.id))]


def get_contest(ctx: Context, contest_id: str) -> ContestOut:
    with ctx.db.reader.connect() as conn:
        row = conn.execute(select(t.contests).where(t.contests.c.id == contest_id)).first()
        if row is None:
            raise UnknownContest(f"no contest {contest_id!r}", field="contest_id")
        names = {r.id: r.name for r in conn.execute(select(t.elections))}
        return _contest_out(row, names)


def get_region(ctx: Context, code: str) -> RegionOut:
    with ctx.db.reader.connect() as conn:
        ref = _region_ref(conn, code)
        path = _path(conn, code) if code != NATION else []
        kids = _children(conn, code)
        if level_of(code) == 4:
            n = conn.execute(select(func.count()).select_from(t.tps).where(t.tps.c.kelurahan == code)).scalar_one()
        else:
            n = conn.execute(
                select(func.count())
                .select_from(t.tps)
                .where(t.tps.c.kelurahan.like(code + ".%") if code != NATION else true())
            ).scalar_one()
        stream = conn.execute(select(t.streams.c.url).where(t.streams.c.region == code)).scalar()
        return RegionOut(
            **ref.model_dump(),
            parent=path[-1] if path else None,
            path=path,
            children=kids,
            tps_count=n,
            stream_url=stream,
        )


def totals_core(region: RegionRef, row: Any, numbers: list[int]) -> TotalsCore:
    """One region's totals as served, from its stored row (None: nothing counted yet)."""
    votes = json.loads(row.votes) if row else {}
    return TotalsCore(
        region=region,
        votes=[CandidateVotes(number=n, votes=int(votes.get(str(n), 0))) for n in numbers],
        valid=row.valid if row else 0,
        invalid=row.invalid if row else 0,
        voters=row.voters if row else 0,
        progress=Progress(
            tps_reported=row.tps_reported if row else 0,
            tps_total=row.tps_total if row else 0,
            dpt_reported=row.dpt_reported if row else 0,
            dpt_total=row.dpt_total if row else 0,
        ),
        flagged=row.flagged if row else 0,
        disagreements=row.disagreements if row else 0,
        last_seq=row.last_seq if row else 0,
        updated_at=row.updated_at if row else "",
    )


def totals_for(ctx: Context, contest_id: str, region_code: str) -> TotalsOut:
    contest = get_contest(ctx, contest_id)
    numbers = [c.number for c in contest.candidates]
    with ctx.db.reader.connect() as conn:
        region = _region_ref(conn, region_code)
        row = conn.execute(
            select(t.totals).where(t.totals.c.region == region_code, t.totals.c.contest == contest_id)
        ).first()
        kids = (
            _children(conn, region_code)
            if is_within(region_code, contest.scope)
            else ([_region_ref(conn, contest.scope)] if is_within(contest.scope, region_code) else [])
        )
        child_rows = (
            {
                r.region: r
                for r in conn.execute(
                    select(t.totals).where(
                        t.totals.c.contest == contest_id, t.totals.c.region.in_([k.code for k in kids])
                    )
                )
            }
            if kids
            else {}
        )
        core = totals_core(region, row, numbers)
        return TotalsOut(
            **core.model_dump(),
            contest=contest_id,
            simulated=ctx.settings.simulated,
            note=PROVISIONAL_NOTE,
            path=_path(conn, region_code) if region_code != NATION else [],
            children=[totals_core(k, child_rows.get(k.code), numbers) for k in kids],
        )


def all_totals(ctx: Context, contest_id: str) -> list[dict[str, Any]]:
    """Every region's totals of one contest, as stored: what `rekap verify --url` compares against."""
    get_contest(ctx, contest_id)
    with ctx.db.reader.connect() as conn:
        rows = conn.execute(select(t.totals).where(t.totals.c.contest == contest_id).order_by(t.totals.c.region))
        return [_totals_dict(r) for r in rows]


def _totals_dict(r: Any) -> dict[str, Any]:
    d = dict(r._mapping)
    d["votes"] = json.loads(d["votes"])
    return d


def _role_of(actor: str, roles: dict[str, str]) -> str:
    if actor.startswith("token:"):
        return roles.get(actor.removeprefix("token:"), "token")
    return actor.split(":", 1)[0]


def tps_detail(ctx: Context, code: str) -> TpsOut:
    with ctx.db.reader.connect() as conn:
        row = conn.execute(select(t.tps).where(t.tps.c.code == code)).first()
        if row is None:
            raise UnknownTps(f"no TPS {code!r}", field="tps_code")
        path = _path(conn, row.kelurahan)
        kelurahan = _region_ref(conn, row.kelurahan)
        accepted = {r.contest: r for r in conn.execute(select(t.accepted).where(t.accepted.c.tps == code))}
        subs = conn.execute(
            select(t.submissions).where(t.submissions.c.tps == code).order_by(t.submissions.c.seq)
        ).all()
        hashes = (
            {
                r.seq: r.hash
                for r in conn.execute(select(t.log.c.seq, t.log.c.hash).where(t.log.c.seq.in_([s.seq for s in subs])))
            }
            if subs
            else {}
        )
        token_ids = sorted({s.actor.removeprefix("token:") for s in subs if s.actor.startswith("token:")})
        roles = (
            {
                r.id: r.role
                for r in conn.execute(select(t.tokens.c.id, t.tokens.c.role).where(t.tokens.c.id.in_(token_ids)))
            }
            if token_ids
            else {}
        )
        contests = [
            r for r in conn.execute(select(t.contests).order_by(t.contests.c.id)) if is_within(row.kelurahan, r.scope)
        ]
    results = []
    for c in contests:
        acc = accepted.get(c.id)
        results.append(
            ContestResultOut(
                contest=c.id,
                accepted=_accepted_dict(acc) if acc else None,
                disagreement=bool(acc and acc.disagreement),
                submissions=[_submission_out(s, hashes, roles, acc) for s in subs if s.contest == c.id],
            )
        )
    return TpsOut(
        code=row.code,
        number=row.number,
        kelurahan=kelurahan,
        path=[*path, kelurahan],
        dpt=row.dpt,
        dpt_male=row.dpt_male,
        dpt_female=row.dpt_female,
        address=row.address,
        lat_e6=row.lat_e6,
        lon_e6=row.lon_e6,
        simulated=ctx.settings.simulated,
        results=results,
    )


def _accepted_dict(r: Any) -> dict[str, Any]:
    d = dict(r._mapping)
    d["votes"] = {int(k): v for k, v in json.loads(d["votes"]).items()}
    d["findings"] = json.loads(d["findings"])
    return d


def _submission_out(s: Any, hashes: dict[int, str], roles: dict[str, str], acc: Any) -> SubmissionOut:
    source = f"{s.source_kind}:{s.source_candidate}" if s.source_candidate is not None else s.source_kind
    return SubmissionOut(
        seq=s.seq,
        hash=hashes.get(s.seq, ""),
        at=s.at,
        source=source,
        actor_role=_role_of(s.actor, roles),
        result=json.loads(s.result),
        photos=json.loads(s.photos),
        findings=json.loads(s.findings),
        corrects=s.corrects,
        reason=s.reason,
        verified=s.verified,
        accepted=bool(acc and acc.seq == s.seq),
    )


def log_page(ctx: Context, after: int, limit: int) -> LogPage:
    with ctx.db.reader.connect() as conn:
        rows = conn.execute(select(t.log).where(t.log.c.seq > after).order_by(t.log.c.seq).limit(limit)).all()
    entries = [LogEntryOut(**entry_from_row(r).to_dict()) for r in rows]
    return LogPage(entries=entries, next_after=entries[-1].seq if len(entries) == limit else None)


def log_head(ctx: Context) -> LogHead:
    with ctx.db.reader.connect() as conn:
        head = conn.execute(select(t.log_head)).one()
        at = conn.execute(select(t.log.c.at).where(t.log.c.seq == head.seq)).scalar()
    return LogHead(seq=head.seq, hash=head.hash, at=at)


def search(ctx: Context, q: str, limit: int = 20) -> list[dict[str, Any]]:
    """Regions by name or code prefix, TPS by code prefix."""
    q = q.strip()
    if len(q) < 2:
        return []
    out: list[dict[str, Any]] = []
    with ctx.db.reader.connect() as conn:
        if q[:2].isdigit():
            for r in conn.execute(
                select(t.tps.c.code).where(t.tps.c.code.like(q + "%")).order_by(t.tps.c.code).limit(limit)
            ):
                out.append({"kind": "tps", "code": r.code, "name": f"TPS {r.code}"})
            for r in conn.execute(
                select(t.regions).where(t.regions.c.code.like(q + "%")).order_by(t.regions.c.code).limit(limit)
            ):
                out.append({"kind": "region", "code": r.code, "name": r.name, "level": r.level})
        else:
            pattern = f"%{q.lower()}%"
            for r in conn.execute(
                select(t.regions)
                .where(func.lower(t.regions.c.name).like(pattern))
                .order_by(t.regions.c.level, t.regions.c.name)
                .limit(limit)
            ):
                out.append({"kind": "region", "code": r.code, "name": r.name, "level": r.level})
    return out[:limit]
