"""Reads of submissions and accepted results: a TPS's whole history in one round trip, a kelurahan's accepted
results, what a correction names, a replayed submission's receipt."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, Select, and_, bindparam, func, select
from sqlalchemy.dialects import postgresql

from rekap.domain.tps import Tps
from rekap.store import codec
from rekap.store import tables as t
from rekap.store.async_reads import AsyncReads


@dataclass(frozen=True, slots=True)
class StoredSubmission:
    seq: int
    hash: str
    tps: str
    contest: str
    source_kind: str
    source_candidate: int | None
    result: dict[str, Any]
    photos: list[str]
    findings: list[dict[str, Any]]
    corrects: int | None
    reason: str | None
    verified: bool
    actor: str
    role: str | None  # the role of the token or the person's grant that submitted it
    at: str
    rules: int
    unchecked: list[str]  # ids of the rules not checked: a count they compare was not given
    source_name: str | None  # an import's source


@dataclass(frozen=True, slots=True)
class StoredAccepted:
    tps: str
    contest: str
    seq: int
    source: str
    votes: dict[int, int]
    valid: int | None  # None: the source did not give it
    invalid: int | None
    used: int | None
    unused: int | None
    damaged: int | None
    dpt: int | None
    dptb: int | None
    dpk: int | None
    voters: int | None
    findings: list[dict[str, Any]]
    disagreement: bool
    at: str
    held: bool  # above a bound and not confirmed: not in the totals


@dataclass(frozen=True, slots=True)
class TpsHistory:
    tps: Tps
    submissions: list[StoredSubmission]  # in log order
    accepted: dict[str, StoredAccepted]  # by contest


def _accepted(values: dict[str, Any]) -> StoredAccepted:
    values["votes"] = {int(k): v for k, v in codec.loads(values["votes"]).items()}
    values["findings"] = codec.loads(values["findings"])
    return StoredAccepted(**values)


def accepted_from_values(values: Sequence[Any]) -> StoredAccepted:
    """A row of `accepted` (its values in column order, as the projection writes them) as a read gives it back."""
    return _accepted(dict(zip(_ACCEPTED_COLUMNS, values, strict=True)))


def _submission(r: Any, tps: str, entry_hash: str, role: str | None) -> StoredSubmission:
    return StoredSubmission(
        r.seq, entry_hash, tps, r.contest, r.source_kind, r.source_candidate, codec.loads(r.result),
        codec.loads(r.photos), codec.loads(r.findings), r.corrects, r.reason, r.verified, r.actor, role,
        r.at, r.rules, codec.loads(r.unchecked), r.source_name,
    )  # fmt: skip


def submission_from_values(values: Sequence[Any], entry_hash: str, role: str | None) -> StoredSubmission:
    """A row of `submissions` (its values in column order, as the projection writes them) as a read gives it
    back, with its entry's hash and its submitter's role."""
    row = SimpleNamespace(**dict(zip(_SUBMISSION_COLUMNS, values, strict=True)))
    return _submission(row, row.tps, entry_hash, role)


_ACCEPTED = [c.label(f"acc_{c.name}") for c in t.accepted.c]
_SUBMITTED = [c for c in t.submissions.c if c.name != "tps"]
_ACCEPTED_COLUMNS = tuple(c.name for c in t.accepted.c)
_SUBMISSION_COLUMNS = tuple(c.name for c in t.submissions.c)


def _history_statement() -> Select[Any]:
    """The TPS, then each submission with its entry hash, its submitter's role (a token's or a person's grant's)
    and its contest's accepted result (a TPS without submissions gives one row of TPS columns)."""
    s, a = t.submissions.c, t.accepted.c
    role = func.coalesce(t.tokens.c.role, t.grants.c.role).label("role")
    return (
        select(t.tps, *_SUBMITTED, t.log.c.hash, role, *_ACCEPTED)
        .select_from(
            t.tps.outerjoin(t.submissions, s.tps == t.tps.c.code)
            .outerjoin(t.log, t.log.c.seq == s.seq)
            .outerjoin(t.tokens, t.tokens.c.id == func.substr(s.actor, len("token:") + 1))
            .outerjoin(
                t.grants, and_(s.actor.startswith("grant:"), t.grants.c.id == func.substr(s.actor, len("grant:") + 1))
            )
            .outerjoin(t.accepted, and_(a.tps == s.tps, a.contest == s.contest))
        )
        .where(t.tps.c.code == bindparam("code"))
        .order_by(s.seq)
    )


_HISTORY = _history_statement()  # built once: building a statement this size costs more than running it
_HISTORY_PG = _HISTORY.compile(dialect=postgresql.psycopg.dialect())  # for psycopg on the event loop
_HISTORY_PG_SQL = str(_HISTORY_PG)


def _history(rows: Sequence[Any]) -> TpsHistory | None:
    if not rows:
        return None
    first = rows[0]
    tps = Tps(*(getattr(first, c.name) for c in t.tps.c))
    subs: list[StoredSubmission] = []
    accepted: dict[str, StoredAccepted] = {}
    for r in rows:
        if r.seq is None:
            continue
        subs.append(_submission(r, tps.code, r.hash, r.role))
        if r.acc_seq is not None and r.acc_contest not in accepted:
            accepted[r.acc_contest] = _accepted({c.name: getattr(r, f"acc_{c.name}") for c in t.accepted.c})
    return TpsHistory(tps, subs, accepted)


def tps_history(conn: Connection, code: str) -> TpsHistory | None:
    return _history(conn.execute(_HISTORY, {"code": code}).all())


async def tps_history_async(reads: AsyncReads, code: str) -> TpsHistory | None:
    """The same, awaited on the event loop (PostgreSQL; rekap/store/async_reads.py says why)."""
    return _history(await reads.fetch(_HISTORY_PG_SQL, {**_HISTORY_PG.params, "code": code}))


def accepted_of(conn: Connection, contest: str, tps_codes: list[str]) -> dict[str, StoredAccepted]:
    c = t.accepted.c
    rows = conn.execute(select(t.accepted).where(c.contest == contest, c.tps.in_(tps_codes)))
    return {r.tps: _accepted(dict(r._mapping)) for r in rows}


def corrected_of(conn: Connection, contest: str, tps_codes: list[str]) -> set[str]:
    """Which of these TPS have a correction among their submissions in the contest."""
    s = t.submissions.c
    q = select(s.tps).where(s.contest == contest, s.tps.in_(tps_codes), s.corrects.is_not(None)).distinct()
    return set(conn.execute(q).scalars())


def key_of(conn: Connection, seq: int) -> tuple[str, str] | None:
    """(tps, contest) of the submission logged as `seq`."""
    s = t.submissions.c
    row = conn.execute(select(s.tps, s.contest).where(s.seq == seq)).first()
    return (row.tps, row.contest) if row else None


@dataclass(frozen=True, slots=True)
class Logged:
    """What a receipt says of a submission already logged."""

    seq: int
    hash: str
    at: str
    tps: str
    contest: str
    findings: list[dict[str, Any]]
    accepted: bool  # whether it is the accepted result now


def logged(conn: Connection, seq: int) -> Logged:
    s, a = t.submissions.c, t.accepted.c
    sub = conn.execute(select(s.tps, s.contest, s.at, s.findings).where(s.seq == seq)).one()
    entry_hash = conn.execute(select(t.log.c.hash).where(t.log.c.seq == seq)).scalar_one()
    acc = conn.execute(select(a.seq).where(a.tps == sub.tps, a.contest == sub.contest)).scalar()
    return Logged(seq, entry_hash, sub.at, sub.tps, sub.contest, codec.loads(sub.findings), acc == seq)


def photo_refs(conn: Connection) -> set[str]:
    """Every photo any submission names."""
    return {p for (photos,) in conn.execute(select(t.submissions.c.photos)) for p in codec.loads(photos)}


def all_accepted(conn: Connection) -> list[dict[str, Any]]:
    """Every accepted result as stored, by TPS (votes as their JSON text)."""
    return [dict(r._mapping) for r in conn.execute(select(t.accepted).order_by(t.accepted.c.tps))]


IN_LIST = 5000  # TPS codes per IN list


def latest_by_source(conn: Connection, contest: str, region: str) -> dict[tuple[str, str], tuple[int, dict[str, Any]]]:
    """The latest result each source gave for each TPS within `region` (a code prefix; "ID": all), by (TPS, source
    label); a verified correction speaks for the officer, as in the fold. Values: (seq, result payload)."""
    s = t.submissions.c
    q = select(s.seq, s.tps, s.source_kind, s.source_candidate, s.source_name, s.verified, s.result).where(
        s.contest == contest
    )
    if region != "ID":
        q = q.where(s.tps.startswith(region + ".") | s.tps.startswith(region + "-"))
    out: dict[tuple[str, str], tuple[int, dict[str, Any]]] = {}
    for r in conn.execute(q.order_by(s.seq)):
        out[(r.tps, label_of(r))] = (r.seq, codec.loads(r.result))
    return out


def label_of(row: Any) -> str:
    """A submission row's source as the fold labels it (a verified correction speaks for the officer)."""
    if row.verified:
        return "officer"
    if row.source_candidate is not None:
        return f"{row.source_kind}:{row.source_candidate}"
    return f"{row.source_kind}:{row.source_name}" if row.source_name else str(row.source_kind)


def source_labels(conn: Connection, contest: str) -> list[str]:
    """Every source label the contest's submissions carry (a verified correction counts as the officer's)."""
    s = t.submissions.c
    q = select(s.source_kind, s.source_candidate, s.source_name, s.verified).where(s.contest == contest).distinct()
    return sorted({label_of(r) for r in conn.execute(q)})


def sources_of(conn: Connection, contest: str, tps_codes: list[str]) -> dict[str, tuple[list[str], str]]:
    """The sources that reported each of these TPS in a contest, and when the last of them did."""
    s = t.submissions.c
    labels: dict[str, list[str]] = {}
    last: dict[str, str] = {}
    for i in range(0, len(tps_codes), IN_LIST):
        q = select(s.tps, s.source_kind, s.source_candidate, s.source_name, s.verified, s.at).where(
            s.contest == contest, s.tps.in_(tps_codes[i : i + IN_LIST])
        )
        for r in conn.execute(q.order_by(s.seq)):
            seen = labels.setdefault(r.tps, [])
            if (label := label_of(r)) not in seen:
                seen.append(label)
            last[r.tps] = r.at
    return {tps: (seen, last[tps]) for tps, seen in labels.items()}


def accepted_within(conn: Connection, contest: str, region: str) -> dict[str, StoredAccepted]:
    """The accepted result of every TPS within `region` that has one."""
    c = t.accepted.c
    q = select(t.accepted).where(c.contest == contest)
    if region != "ID":
        q = q.where(c.tps.startswith(region + ".") | c.tps.startswith(region + "-"))
    return {r.tps: _accepted(dict(r._mapping)) for r in conn.execute(q)}
