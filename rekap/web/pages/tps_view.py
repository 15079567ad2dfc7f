"""View model of the TPS page: each contest's accepted numbers, C1 photos (grouped by who sent them), history and
disagreements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rekap.domain.regions import is_within
from rekap.domain.result import COUNT_FIELDS
from rekap.domain.status import status_of
from rekap.services.views import (
    ContestResultView,
    ContestView,
    PhotoReportView,
    RegionRef,
    SubmissionView,
    TpsView,
)
from rekap.web.deps import Services
from rekap.web.pages.i18n import Locale
from rekap.web.pages.live import colours, tps_topic
from rekap.web.pages.views import contest_for

# The order of a C1 form's totals block, after the candidates' votes.
SHOWN_FIELDS = ("valid", "invalid", "voters", "used", "unused", "damaged", "dpt", "dptb", "dpk")


@dataclass(frozen=True)
class Photo:
    sha256: str
    width: int
    height: int
    senders: str  # everyone who sent it, as the page names them ("KPPS officer · Witness of pair 2")
    waiting: bool  # sent first without numbers: waiting to be typed in


@dataclass(frozen=True)
class PhotoGroup:
    """The photos one source sent first: the officer's beside each witness's, a volunteer's, an import's."""

    sender: str
    photos: list[Photo]


@dataclass(frozen=True)
class Line:
    label: str
    value: str
    number: int | None = None  # the candidate's ballot number, on a line of votes
    share: str = ""  # percent of valid votes, for candidates


@dataclass(frozen=True)
class HistoryRow:
    sub: SubmissionView
    source: str
    role: str
    changes: list[str]  # "field: old → new"; empty for the first report of a TPS
    first: bool


@dataclass(frozen=True)
class Comparison:
    sources: list[str]
    rows: list[tuple[str, list[str], bool]]  # label, value per source, whether the sources differ


@dataclass(frozen=True)
class ContestSection:
    contest: ContestView
    status: str
    accepted: dict[str, Any] | None
    lines: list[Line]
    findings: list[str]
    unchecked: str  # the rules not checked, as a sentence; "" when every rule was
    held: bool
    photos: list[PhotoGroup]
    history: list[HistoryRow]
    comparison: Comparison | None
    palette: dict[int, str]


@dataclass(frozen=True)
class TpsPage:
    tps: TpsView
    crumbs: list[RegionRef]
    link_contest: str | None  # the contest whose region pages the breadcrumb opens
    sections: list[ContestSection]
    topic: str


def _values(result: dict[str, Any]) -> dict[str, int]:
    """A result (accepted row or submission payload) as field → int, votes as "votes.N"."""
    out = {f"votes.{int(k)}": int(v) for k, v in result["votes"].items()}
    out |= {f: int(result[f]) for f in COUNT_FIELDS if result.get(f) is not None}  # unknown: not there
    return out


def field_label(field: str, loc: Locale) -> str:
    if field.startswith("votes."):
        return loc.t("tps.votes_for", number=field.removeprefix("votes."))
    return loc.t(f"field.{field}") if f"field.{field}" in loc.messages else field


def source_label(source: str, verified: bool, loc: Locale) -> str:
    if verified:
        return loc.t("source.correction")
    kind, _, candidate = source.partition(":")
    if kind == "import" and candidate:
        return f"{loc.t('source.import')} ({candidate})"
    return loc.t(f"source.{kind}", number=candidate) if candidate else loc.t(f"source.{kind}")


def _changes(before: dict[str, int], after: dict[str, int], loc: Locale) -> list[str]:
    return [
        f"{field_label(f, loc)}: {loc.num(before[f]) if f in before else '–'} → {loc.num(v)}"
        for f, v in after.items()
        if before.get(f) != v
    ]


def _history(subs: list[SubmissionView], loc: Locale) -> list[HistoryRow]:
    rows = []
    by_seq: dict[int, dict[str, int]] = {}
    previous: dict[str, int] | None = None
    for s in subs:
        values = _values(s.result)
        # a correction is read against what it corrects; anything else against the report before it
        before = by_seq.get(s.corrects) if s.corrects is not None else previous
        rows.append(
            HistoryRow(
                sub=s,
                source=source_label(s.source, s.verified, loc),
                role=loc.t(f"role.{s.actor_role}") if f"role.{s.actor_role}" in loc.messages else s.actor_role,
                changes=_changes(before, values, loc) if before is not None else [],
                first=before is None,
            )
        )
        by_seq[s.seq] = previous = values
    return rows


def _comparison(subs: list[SubmissionView], loc: Locale) -> Comparison | None:
    """The latest report of each source side by side (a verified correction stands for the officer)."""
    latest: dict[str, SubmissionView] = {}
    for s in subs:
        latest["officer" if s.verified else s.source] = s
    if len(latest) < 2:
        return None
    columns = list(latest.values())
    values = [_values(s.result) for s in columns]
    fields = list(dict.fromkeys(f for v in values for f in v))
    rows = []
    for f in fields:
        cells = [v.get(f) for v in values]
        rows.append((field_label(f, loc), [loc.num(c) if c is not None else "–" for c in cells], len(set(cells)) > 1))
    return Comparison([source_label(s.source, s.verified, loc) for s in columns], rows)


#: the order of the photo groups: the officer's (and the corrections that speak for it) first, then the witnesses
_SENDER_ORDER = {"officer": 0, "correction": 1, "witness": 2, "volunteer": 3, "import": 4}


def _sender_key(source: str, verified: bool) -> tuple[int, int, str]:
    kind, _, rest = source.partition(":")
    kind = "correction" if verified else kind
    return (_SENDER_ORDER.get(kind, 5), int(rest) if rest.isdigit() else 0, rest)


def _photo_groups(
    svc: Services, subs: list[SubmissionView], reports: list[PhotoReportView], loc: Locale
) -> list[PhotoGroup]:
    """Each photo once, under the source that sent it first, labelled with everyone who sent it."""
    sent = sorted(
        [(s.seq, _sender_key(s.source, s.verified), source_label(s.source, s.verified, loc), s.photos, False)
         for s in subs]
        + [(r.seq, _sender_key(r.source, False), source_label(r.source, False, loc), r.photos, True) for r in reports]
    )  # fmt: skip
    first: dict[str, tuple[tuple[int, int, str], str]] = {}  # photo → (sender's order, sender)
    senders: dict[str, list[str]] = {}
    alone: set[str] = set()  # photos first sent without numbers
    for _seq, key, label, photos, without_numbers in sent:
        for h in photos:
            if h not in first:
                first[h] = (key, label)
                if without_numbers:
                    alone.add(h)
            if label not in senders.setdefault(h, []):
                senders[h].append(label)
    sizes = svc.tps.photo_sizes(list(first))
    groups: dict[tuple[tuple[int, int, str], str], list[Photo]] = {}
    for h, sender in first.items():
        groups.setdefault(sender, []).append(Photo(h, *sizes.get(h, (3, 4)), " · ".join(senders[h]), h in alone))
    return [PhotoGroup(label, photos) for (_, label), photos in sorted(groups.items())]


def _lines(contest: ContestView, accepted: dict[str, Any], loc: Locale) -> list[Line]:
    valid = int(accepted["valid"] or 0)
    lines = [
        Line(
            loc.t("tps.votes_for", number=c.number),
            loc.num(accepted["votes"].get(c.number, 0)),
            c.number,
            loc.pct(accepted["votes"].get(c.number, 0), valid),
        )
        for c in contest.candidates
    ]
    return lines + [Line(loc.t(f"field.{f}"), loc.num(accepted[f])) for f in SHOWN_FIELDS]


def _finding(f: dict[str, Any], loc: Locale) -> str:
    rule = f"rule.{f['rule']}"
    what = loc.t(rule) if rule in loc.messages else f["rule"]
    return loc.t(
        "tps.finding",
        rule=f["rule"],
        what=what,
        field=field_label(f["field"], loc),
        expected=loc.num(int(f["expected"])),
        got=loc.num(int(f["got"])),
    )


def _unchecked(r: ContestResultView, loc: Locale) -> str:
    accepted = next((s for s in r.submissions if s.accepted), None)
    if accepted is None or not accepted.unchecked:
        return ""
    rules = ", ".join(loc.t(f"rule.{x}") if f"rule.{x}" in loc.messages else x for x in accepted.unchecked)
    return loc.t("tps.not_checked", rules=rules)


def _section(
    svc: Services, contest: ContestView, r: ContestResultView, reports: list[PhotoReportView], loc: Locale
) -> ContestSection:
    acc = r.accepted
    corrected = bool(acc and acc["source"] == "correction") or any(s.corrects is not None for s in r.submissions)
    status = status_of(acc is not None, r.disagreement, bool(acc and acc["findings"]), corrected)
    return ContestSection(
        contest=contest,
        status=status,
        accepted=acc,
        lines=_lines(contest, acc, loc) if acc else [],
        findings=[_finding(f, loc) for f in acc["findings"]] if acc else [],
        unchecked=_unchecked(r, loc),
        held=bool(acc and acc.get("held")),
        photos=_photo_groups(svc, r.submissions, [p for p in reports if p.contest == contest.id], loc),
        history=_history(r.submissions, loc),
        comparison=_comparison(r.submissions, loc),
        palette=colours(contest),
    )


def tps_page(svc: Services, code: str, loc: Locale) -> TpsPage:
    tps = svc.tps.detail(code)
    contests = {c.id: c for c in svc.contests.all()}
    link = contest_for(list(contests.values()), tps.kelurahan.code)
    crumbs = [r for r in tps.path if link is None or is_within(r.code, link.scope)]
    reports = svc.tps.photo_reports(code)
    return TpsPage(
        tps=tps,
        crumbs=crumbs,
        link_contest=link.id if link else None,
        sections=[_section(svc, contests[r.contest], r, reports, loc) for r in tps.results],
        topic=tps_topic(code),
    )
