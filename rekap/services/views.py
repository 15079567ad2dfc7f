"""What the read side answers: typed views of contests, regions, totals, TPS and the log, as the API serves them.

Views are plain dataclasses; the web layer declares them as its response models and `json_of` turns one into
the bytes every answer (and every published snapshot) carries, so the API and the snapshots cannot differ.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, cast

from pydantic import TypeAdapter

from rekap.domain.contest import Contest
from rekap.domain.regions import Region

PROVISIONAL_NOTE = (
    "Provisional real count from C1 forms as they arrive; the legal result is the one "
    "announced at the recapitulation plenary."
)


@dataclass(frozen=True, slots=True)
class RegionRef:
    code: str
    name: str
    level: int

    @classmethod
    def of(cls, r: Region) -> RegionRef:
        return cls(r.code, r.name, r.level)


@dataclass(frozen=True, slots=True)
class CandidateView:
    number: int
    names: list[str]
    party: str = ""
    color: str = ""


@dataclass(frozen=True, slots=True)
class ContestView:
    id: str
    election: str
    election_name: str
    name: str
    scope: str
    candidates: list[CandidateView]

    @classmethod
    def of(cls, c: Contest, election_name: str) -> ContestView:
        candidates = [CandidateView(k.number, list(k.names), k.party, k.color) for k in c.candidates]
        return cls(c.id, c.election, election_name, c.name, c.scope, candidates)


@dataclass(frozen=True, slots=True)
class RegionView:
    code: str
    name: str
    level: int
    parent: RegionRef | None
    path: list[RegionRef]
    children: list[RegionRef]
    tps_count: int
    stream_url: str | None = None


@dataclass(frozen=True, slots=True)
class Progress:
    tps_reported: int
    tps_total: int
    dpt_reported: int
    dpt_total: int


@dataclass(frozen=True, slots=True)
class CandidateVotes:
    number: int
    votes: int


@dataclass(frozen=True, slots=True)
class TotalsCore:
    """One region's totals in one contest."""

    region: RegionRef
    votes: list[CandidateVotes]
    valid: int | None  # of the TPS that gave it (`covers`); None: none of the TPS counted gave it
    invalid: int | None
    voters: int | None
    progress: Progress
    flagged: int
    disagreements: int
    last_seq: int
    updated_at: str
    held: int  # TPS whose result is above what the TPS can have, waiting for an operator: in no sum
    covers: dict[str, int]  # how many of the TPS counted gave valid, invalid, voters


@dataclass(frozen=True, slots=True)
class TotalsView(TotalsCore):
    """A region's totals with its path and its children: a region page, an API answer, a snapshot file."""

    contest: str
    simulated: bool
    note: str
    path: list[RegionRef]
    children: list[TotalsCore]
    provisional: bool = True


@dataclass(frozen=True, slots=True)
class SubmissionView:
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
    rules: int = 1
    unchecked: list[str] = field(default_factory=list)  # rules not checked: a count they compare was not given


@dataclass(frozen=True, slots=True)
class PhotoReportView:
    """C1 photos sent without numbers (`photos.reported`), waiting for digitisation."""

    seq: int
    at: str
    contest: str
    source: str  # its label: volunteer, witness:2 …
    photos: list[str]


@dataclass(frozen=True, slots=True)
class ContestResultView:
    contest: str
    accepted: dict[str, Any] | None
    disagreement: bool
    submissions: list[SubmissionView]


@dataclass(frozen=True, slots=True)
class TpsView:
    code: str
    number: int
    kelurahan: RegionRef
    path: list[RegionRef]
    dpt: int | None  # None: the register's DPT is not known
    dpt_male: int | None
    dpt_female: int | None
    address: str | None
    lat_e6: int | None
    lon_e6: int | None
    simulated: bool
    results: list[ContestResultView]


@dataclass(frozen=True, slots=True)
class LogEntryView:
    seq: int
    prev_hash: str
    hash: str
    kind: str
    payload: dict[str, Any]
    actor: str
    at: str


@dataclass(frozen=True, slots=True)
class LogPage:
    entries: list[LogEntryView]
    next_after: int | None


@dataclass(frozen=True, slots=True)
class LogHead:
    seq: int
    hash: str
    at: str | None


@dataclass(frozen=True, slots=True)
class SearchHit:
    kind: str  # "region" or "tps"
    code: str
    name: str
    level: int | None = None  # a region's level (None for a TPS)
    #: where it is: the names of the regions above it, nearest first ("Gambir, Jakarta Pusat, DKI Jakarta"),
    #: since many kelurahan share a name nationally
    parent: str | None = None
    address: str | None = None  # a TPS's address, where published


@dataclass(frozen=True, slots=True)
class TpsStatus:
    """One TPS of a kelurahan with its accepted result (if any) and status in one contest."""

    code: str
    number: int
    dpt: int | None
    status: str
    votes: dict[int, int] = field(default_factory=dict)
    valid: int | None = 0  # None: the source did not give it
    invalid: int | None = 0
    voters: int | None = 0
    at: str = ""


@cache
def _adapter(kind: Hashable) -> TypeAdapter[Any]:
    return TypeAdapter(kind)


def _kind(value: Any, kind: Hashable | None) -> Hashable:
    return cast(Hashable, type(value)) if kind is None else kind


def json_of(value: Any, kind: Hashable | None = None, *, exclude_none: bool = False) -> bytes:
    """The JSON of a view (or of `kind`, e.g. list[ContestView]), as served."""
    return _adapter(_kind(value, kind)).dump_json(value, exclude_none=exclude_none)


def python_of(value: Any, kind: Hashable | None = None) -> Any:
    """The same as plain JSON-ready Python values."""
    return _adapter(_kind(value, kind)).dump_python(value, mode="json")
