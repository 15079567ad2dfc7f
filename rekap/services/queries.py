"""Read models for the API and pages: contests, regions with children, totals with progress, TPS detail, log."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Select, and_, bindparam, func, select, true
from sqlalchemy.dialects import postgresql

from rekap.domain.contest import Contest
from rekap.domain.errors import UnknownContest, UnknownRegion, UnknownTps
from rekap.domain.fold import TOTALS_COUNTS, Totals
from rekap.domain.regions import NATION, Region, is_within, level_of
from rekap.services.context import Context
from rekap.services.readmodel import RegionTree
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


def region_ref(r: Region) -> RegionRef:
    return RegionRef(code=r.code, name=r.name, level=r.level)


def _known(tree: RegionTree, code: str) -> Region:
    r = tree.regions.get(code)
    if r is None:
        raise UnknownRegion(f"no region {code!r}", field="region_code")
    return r


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
    """From the database, so that a process which never folds the log (`rekap publish`) can list them too."""
    with ctx.db.reader.connect() as conn:
        names = {r.id: r.name for r in conn.execute(select(t.elections))}
        return [_contest_out(r, names) for r in conn.execute(select(t.contests).order_by(t.contests.c.id))]


def _contest(ctx: Context, contest_id: str) -> Contest:
    c = ctx.board.structure.contests.get(contest_id)
    if c is None:
        raise UnknownContest(f"no contest {contest_id!r}", field="contest_id")
    return c


def get_contest(ctx: Context, contest_id: str) -> ContestOut:
    c = _contest(ctx, contest_id)
    return ContestOut(
        id=c.id,
        election=c.election,
        election_name=ctx.board.structure.election_names.get(c.election, ""),
        name=c.name,
        scope=c.scope,
        candidates=[
            CandidateOut(number=k.number, names=list(k.names), party=k.party, color=k.color) for k in c.candidates
        ],
    )


def get_region(ctx: Context, code: str) -> RegionOut:
    tree = ctx.board.structure.tree
    region = _known(tree, code)
    path = [region_ref(r) for r in tree.ancestors(code)]
    with ctx.db.reader.connect() as conn:
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
        code=region.code,
        name=region.name,
        level=region.level,
        parent=path[-1] if path else None,
        path=path,
        children=[region_ref(tree.regions[c]) for c in tree.children.get(code, [])],
        tps_count=n,
        stream_url=stream,
    )


def totals_from_row(row: Any) -> Totals:
    """A stored totals row as the fold's Totals (for readers of the database rather than of the read model)."""
    return Totals(
        votes={int(k): v for k, v in json.loads(row.votes).items()},
        **{f: getattr(row, f) for f in TOTALS_COUNTS},
        last_seq=row.last_seq,
        updated_at=row.updated_at,
    )


_NOTHING_YET = Totals()


def totals_core(region: RegionRef, x: Totals | None, numbers: Sequence[int]) -> TotalsCore:
    """One region's totals as served (None: nothing counted yet)."""
    x = x or _NOTHING_YET
    return TotalsCore(
        region=region,
        votes=[CandidateVotes(number=n, votes=x.votes.get(n, 0)) for n in numbers],
        valid=x.valid,
        invalid=x.invalid,
        voters=x.voters,
        progress=Progress(
            tps_reported=x.tps_reported,
            tps_total=x.tps_total,
            dpt_reported=x.dpt_reported,
            dpt_total=x.dpt_total,
        ),
        flagged=x.flagged,
        disagreements=x.disagreements,
        last_seq=x.last_seq,
        updated_at=x.updated_at,
    )


def totals_out(
    tree: RegionTree,
    contest: tuple[str, str, Sequence[int]],
    code: str,
    totals_of: Callable[[str], Totals | None],
    simulated: bool,
) -> TotalsOut:
    """A region's totals with its children and path; `contest` is (id, scope, ballot numbers)."""
    contest_id, scope, numbers = contest
    region = region_ref(_known(tree, code))
    core = totals_core(region, totals_of(code), numbers)
    return TotalsOut(
        **dict(core),
        contest=contest_id,
        simulated=simulated,
        note=PROVISIONAL_NOTE,
        path=[region_ref(r) for r in tree.ancestors(code)],
        children=[
            totals_core(region_ref(_known(tree, k)), totals_of(k), numbers) for k in tree.shown_children(code, scope)
        ],
    )


def totals_for(ctx: Context, contest_id: str, region_code: str) -> TotalsOut:
    """From the committed read model in memory: no database round trip."""
    contest = _contest(ctx, contest_id)
    board = ctx.board
    return totals_out(
        board.structure.tree,
        (contest.id, contest.scope, contest.numbers),
        region_code,
        lambda code: board.totals(code, contest_id),
        ctx.settings.simulated,
    )


def all_totals(ctx: Context, contest_id: str) -> list[dict[str, Any]]:
    """Every region's totals of one contest, as stored: what `rekap verify --url` compares against."""
    _contest(ctx, contest_id)
    with ctx.db.reader.connect() as conn:
        rows = conn.execute(select(t.totals).where(t.totals.c.contest == contest_id).order_by(t.totals.c.region))
        return [_totals_dict(r) for r in rows]


def _totals_dict(r: Any) -> dict[str, Any]:
    d = dict(r._mapping)
    d["votes"] = json.loads(d["votes"])
    return d


def _role_of(actor: str, role: str | None) -> str:
    if actor.startswith("token:"):
        return role or "token"
    return actor.split(":", 1)[0]


#: the accepted result of each contest rides along with that contest's submissions, prefixed
_ACCEPTED = [c.label(f"acc_{c.name}") for c in t.accepted.c]


def _tps_history() -> Select[Any]:
    """One round trip for a whole TPS page: the TPS, then each submission with its entry hash, its submitter's
    role and its contest's accepted result (a TPS without submissions gives one row of TPS columns)."""
    s, a = t.submissions.c, t.accepted.c
    return (
        select(t.tps, *(c for c in t.submissions.c if c.name != "tps"), t.log.c.hash, t.tokens.c.role, *_ACCEPTED)
        .select_from(
            t.tps.outerjoin(t.submissions, s.tps == t.tps.c.code)
            .outerjoin(t.log, t.log.c.seq == s.seq)
            .outerjoin(t.tokens, t.tokens.c.id == func.substr(s.actor, len("token:") + 1))
            .outerjoin(t.accepted, and_(a.tps == s.tps, a.contest == s.contest))
        )
        .where(t.tps.c.code == bindparam("code"))
        .order_by(s.seq)
    )


_TPS_HISTORY = _tps_history()  # built once: building a statement this size costs more than running it


_TPS_HISTORY_PG = _TPS_HISTORY.compile(dialect=postgresql.psycopg.dialect())  # for psycopg on the event loop
_TPS_HISTORY_SQL = str(_TPS_HISTORY_PG)


def tps_detail(ctx: Context, code: str) -> TpsOut:
    with ctx.db.reader.connect() as conn:
        rows = conn.execute(_TPS_HISTORY, {"code": code}).all()
    return _tps_out(ctx, code, rows)


async def tps_detail_async(ctx: Context, code: str) -> TpsOut:
    """`tps_detail` for the event loop: on PostgreSQL the query is awaited on the loop, elsewhere it runs in a
    thread (rekap/store/async_reads.py says why)."""
    if ctx.async_reads is None:
        return await asyncio.to_thread(tps_detail, ctx, code)
    rows = await ctx.async_reads.fetch(_TPS_HISTORY_SQL, {**_TPS_HISTORY_PG.params, "code": code})
    return _tps_out(ctx, code, rows)


def _tps_out(ctx: Context, code: str, rows: Sequence[Any]) -> TpsOut:
    structure = ctx.board.structure
    if not rows:
        raise UnknownTps(f"no TPS {code!r}", field="tps_code")
    row, subs = rows[0], [r for r in rows if r.seq is not None]
    accepted = {r.acc_contest: _accepted_dict(r) for r in subs if r.acc_seq is not None}
    kelurahan = region_ref(_known(structure.tree, row.kelurahan))
    results = []
    for c in sorted(structure.contests.values(), key=lambda c: c.id):
        if not is_within(row.kelurahan, c.scope):
            continue
        acc = accepted.get(c.id)
        results.append(
            ContestResultOut(
                contest=c.id,
                accepted=acc,
                disagreement=bool(acc and acc["disagreement"]),
                submissions=[_submission_out(x, acc) for x in subs if x.contest == c.id],
            )
        )
    return TpsOut(
        code=row.code,
        number=row.number,
        kelurahan=kelurahan,
        path=[*(region_ref(r) for r in structure.tree.ancestors(row.kelurahan)), kelurahan],
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
    d = {c.name: getattr(r, f"acc_{c.name}") for c in t.accepted.c}
    d["votes"] = {int(k): v for k, v in json.loads(d["votes"]).items()}
    d["findings"] = json.loads(d["findings"])
    return d


def _submission_out(s: Any, acc: dict[str, Any] | None) -> SubmissionOut:
    source = f"{s.source_kind}:{s.source_candidate}" if s.source_candidate is not None else s.source_kind
    return SubmissionOut(
        seq=s.seq,
        hash=s.hash,
        at=s.at,
        source=source,
        actor_role=_role_of(s.actor, s.role),
        result=json.loads(s.result),
        photos=json.loads(s.photos),
        findings=json.loads(s.findings),
        corrects=s.corrects,
        reason=s.reason,
        verified=s.verified,
        accepted=bool(acc and acc["seq"] == s.seq),
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
