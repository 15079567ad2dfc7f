"""What the fold keeps: the state of the whole log, and what one entry changed of it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from rekap.domain.contest import Contest, Election
from rekap.domain.fold.totals import Totals
from rekap.domain.grants import Grant
from rekap.domain.regions import NATION, NATION_NAME, Region, is_within, path_of
from rekap.domain.result import Result, Source
from rekap.domain.rules import Finding
from rekap.domain.tps import Tps


@dataclass(slots=True)
class Accepted:
    """The result that counts for one TPS×contest, and the submission it comes from."""

    seq: int
    rank: int
    source: str
    result: Result
    findings: tuple[Finding, ...]
    at: str
    held: bool = False  # above a bound and not confirmed: flagged, and not in the totals

    @property
    def flagged(self) -> bool:
        return bool(self.findings)

    @property
    def label(self) -> str:
        """The source label it was reported under: a verified correction speaks for the officer."""
        return "officer" if self.source == "correction" else self.source

    def __reduce__(self) -> tuple[type[Accepted], tuple[object, ...]]:
        # pickled as its fields in order, not as a dict of slot names: a national checkpoint holds 823k of them,
        # and this reads back in two thirds of the time
        return (Accepted, (self.seq, self.rank, self.source, self.result, self.findings, self.at, self.held))


@dataclass(slots=True)
class LoggedSubmission:
    """A submission as the log holds it: who reported what, with the findings recorded when it was checked."""

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
    rules: int
    accepted: bool = False  # whether it became the accepted result when it was folded
    unchecked: tuple[str, ...] = ()  # rules not checked: a count they compare was not given


@dataclass(slots=True)
class Recap:
    """A region's recap (D-form) in one contest as the log has it so far: its status in the plenary's life, the
    figures last entered and who signed them off. Corrections replace the figures; the log keeps every one."""

    region: str
    contest: str
    status: str = "not_started"
    result: Result | None = None
    photos: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()
    source: str = ""  # "operator" or "import"
    entered_seq: int = 0
    entered_by: str = ""
    entered_at: str = ""
    started_at: str = ""
    signed_seq: int = 0  # the sign-off entry (0: not signed)
    signed_by: str = ""
    signed_at: str = ""
    explanation: str = ""
    reopened_by: str = ""
    reopened_at: str = ""
    reason: str = ""  # of the last correction or reopening
    entries: list[int] = field(default_factory=list)  # every recap entry's seq, oldest first


@dataclass(slots=True)
class Changes:
    """What one entry (or one batch of entries) changed; the store persists exactly these."""

    regions: list[Region] = field(default_factory=list)
    tps: list[Tps] = field(default_factory=list)
    contests: list[Contest] = field(default_factory=list)
    elections: list[Election] = field(default_factory=list)
    submissions: list[LoggedSubmission] = field(default_factory=list)
    accepted: set[tuple[str, str]] = field(default_factory=set)
    totals: set[tuple[str, str]] = field(default_factory=set)
    streams: list[tuple[str, str]] = field(default_factory=list)
    recaps: set[tuple[str, str]] = field(default_factory=set)  # (region, contest) whose recap changed
    photo_reports: set[tuple[str, str]] = field(default_factory=set)  # (tps, contest) with photos sent alone

    def merge(self, other: Changes) -> None:
        self.regions += other.regions
        self.tps += other.tps
        self.contests += other.contests
        self.elections += other.elections
        self.submissions += other.submissions
        self.accepted |= other.accepted
        self.totals |= other.totals
        self.streams += other.streams
        self.recaps |= other.recaps
        self.photo_reports |= other.photo_reports


#: the keys and the totals of the regions a result adds up to (see State.totals_on_path)
TotalsPath = tuple[tuple[tuple[str, str], ...], tuple[Totals, ...]]


def _nation() -> dict[str, Region]:
    return {NATION: Region(NATION, NATION_NAME, 0, "")}


@dataclass(slots=True)
class State:
    seq: int = 0
    head: str = "0" * 64
    regions: dict[str, Region] = field(default_factory=_nation)
    tps: dict[str, Tps] = field(default_factory=dict)
    elections: dict[str, Election] = field(default_factory=dict)
    contests: dict[str, Contest] = field(default_factory=dict)
    accepted: dict[tuple[str, str], Accepted] = field(default_factory=dict)
    #: the latest result each source label reported, per TPS×contest — only where that is more than the accepted
    #: result alone (nearly every TPS has one source: 823k dicts would be a third of a national checkpoint's
    #: reading); read it through `latest_of`
    latest_by_source: dict[tuple[str, str], dict[str, Result]] = field(default_factory=dict)
    disagreeing: set[tuple[str, str]] = field(default_factory=set)
    totals: dict[tuple[str, str], Totals] = field(default_factory=dict)
    streams: dict[str, str] = field(default_factory=dict)
    recaps: dict[tuple[str, str], Recap] = field(default_factory=dict)  # (region, contest): its D-form recap
    confirmed: set[int] = field(default_factory=set)  # seqs of held results an operator confirmed
    #: each election's stages as (id, name, start, end), in date order
    schedules: dict[str, tuple[tuple[str, str, str, str], ...]] = field(default_factory=dict)
    #: the content hash of the committees and of each version of the voter register, as last imported
    committees_hash: str = ""
    register_versions: list[tuple[int, str, int, str]] = field(default_factory=list)  # version, kind, rows, hash
    submission_count: int = 0
    tps_seq: dict[str, int] = field(default_factory=dict)  # last submission per TPS: versions TPS answers
    structure_seq: int = 0  # last entry that changed names, TPS, contests or streams rather than results
    grants: dict[str, Grant] = field(default_factory=dict)  # the live grants, by id (ids, roles, scopes only)
    deactivated: set[str] = field(default_factory=set)  # users whose grants all ended
    locked: set[str] = field(default_factory=set)  # contests that take no submissions
    _paths: dict[tuple[str, str], TotalsPath] = field(default_factory=dict)

    def totals_on_path(self, kelurahan: str, contest: Contest) -> TotalsPath:
        """The keys and the totals of every region from `kelurahan` up to the contest's scope, nearest first.

        Cached per kelurahan and contest: a result changes all of them, and a contest never changes scope."""
        p = self._paths.get((kelurahan, contest.id))
        if p is None:
            keys = tuple((c, contest.id) for c in path_of(kelurahan) if is_within(c, contest.scope))
            p = self._paths[(kelurahan, contest.id)] = (keys, tuple(self.totals_of(*k) for k in keys))
        return p

    def latest_of(self, key: tuple[str, str]) -> Mapping[str, Result]:
        """The latest result each source label reported for a TPS×contest ({} if none)."""
        latest = self.latest_by_source.get(key)
        if latest is not None:
            return latest
        a = self.accepted.get(key)
        return {} if a is None else {a.label: a.result}

    def totals_of(self, region: str, contest: str) -> Totals:
        t = self.totals.get((region, contest))
        if t is None:
            t = self.totals[(region, contest)] = Totals()
        return t
