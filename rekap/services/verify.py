"""`rekap verify`: re-check a log (this instance's, an export, or a running instance's over its public API) from
scratch: every link of the chain, the findings each result records against the rules of its version, every
total recomputed by the same fold, every photo's hash; on this instance also every projection table row by row
against the fold, the tokens against their log entries and every public photo copy against its original; and,
given a signed checkpoint of a head seen earlier, that the log still holds that hash at that seq."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rekap.domain.errors import InvalidInput, RekapError
from rekap.domain.fold import TOTALS_COUNTS, Changes, State, apply
from rekap.domain.log import GENESIS, Entry, check_link
from rekap.domain.people import reported_within_grant
from rekap.domain.recap import difference_payload, differences_in, recap_findings
from rekap.domain.result import Result
from rekap.domain.rules import Finding, check, known_version, unchecked
from rekap.domain.submission import facts_of
from rekap.log.reader import read_entries
from rekap.services.checkpoints import Checkpoint
from rekap.services.photos import PHOTO_VARIANTS, public_copies
from rekap.services.real_count import totals_row

if TYPE_CHECKING:
    import httpx
from rekap.store import audit, log_table
from rekap.store import photos as stored_photos
from rekap.store import results as stored_results
from rekap.store import tables as t
from rekap.store import totals as stored_totals
from rekap.store.db import Database
from rekap.store.photo_files import PhotoStore
from rekap.store.projection import all_rows, submission_values

Progress = Callable[[int, int], None]
Heard = Callable[[Entry, Changes], None]
TOTAL_FIELDS = (*TOTALS_COUNTS, "votes")


@dataclass
class Mismatch:
    region: str
    contest: str
    field: str
    expected: Any
    published: Any


@dataclass
class VerifyReport:
    entries: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    broken_seq: int | None = None
    broken_reason: str | None = None
    findings_mismatches: list[int] = field(default_factory=list)  # result entries whose findings break their rules
    #: recap entries whose recorded findings or differences are not what the log makes, each said in a line
    recap_mismatches: list[str] = field(default_factory=list)
    rules_unknown: set[int] = field(default_factory=set)  # rules versions newer than this verifier knows
    photos_checked: int = 0
    photos_bad: list[str] = field(default_factory=list)
    photos_missing: list[str] = field(default_factory=list)
    photos_note: str = ""
    totals_checked: int = 0
    totals_mismatches: list[Mismatch] = field(default_factory=list)
    head_note: str = ""
    #: results whose grant did not cover their TPS when they were logged
    unauthorized: list[int] = field(default_factory=list)
    #: table → rows that differ from the fold (edited, added or deleted), and a few of them to show
    table_mismatches: dict[str, int] = field(default_factory=dict)
    table_examples: list[str] = field(default_factory=list)
    tables_checked: int = 0
    copies_checked: int = 0
    copies_bad: list[str] = field(default_factory=list)  # "<sha256> <size>": differs from one made from the original
    copies_missing: list[str] = field(default_factory=list)
    #: copies of photos not marked copied yet that are not there: made after the upload, by a running instance
    copies_pending: int = 0
    checkpoint_seq: int | None = None
    checkpoint_note: str = ""

    @property
    def ok(self) -> bool:
        return (
            self.broken_seq is None
            and not self.findings_mismatches
            and not self.recap_mismatches
            and not self.photos_bad
            and not self.photos_missing
            and not self.totals_mismatches
            and not self.head_note
            and not self.unauthorized
            and not self.table_mismatches
            and not self.copies_bad
            and not self.copies_missing
            and not self.checkpoint_note
        )


def _recheck(state: State, e: Entry, report: VerifyReport) -> None:
    """A result's recorded findings must be what the rules of its recorded version find."""
    p = e.payload
    if not reported_within_grant(state, e.actor, p["tps"]):
        report.unauthorized.append(e.seq)
    version = int(p.get("rules", 1))
    if not known_version(version):
        report.rules_unknown.add(version)
        return
    recorded = tuple(Finding(**f) for f in p["findings"])
    result, facts = Result.from_payload(p["result"]), facts_of(state, p["tps"], p["contest"])
    if check(result, facts, version) != recorded or unchecked(result, facts, version) != tuple(p.get("unchecked", ())):
        report.findings_mismatches.append(e.seq)


def _recheck_recap(state: State, e: Entry, before: list[dict[str, object]] | None, report: VerifyReport) -> None:
    """A recap's recorded findings must be what its rules find; a sign-off's recorded differences must be what
    the log said when it was signed (figures forged consistently with their rules change those)."""
    p = e.payload
    which = f"entry {e.seq} ({e.kind}) of the recap of {p['region']} in {p['contest']}"
    if e.kind == "recap.entered":
        version = int(p.get("rules", 1))
        if not known_version(version):
            report.rules_unknown.add(version)
            return
        found = recap_findings(state, p["region"], p["contest"], Result.from_payload(p["result"]), version)
        if found != tuple(Finding(**f) for f in p["findings"]):
            report.recap_mismatches.append(f"{which}: its findings are not what the rules of its version find")
    elif e.kind == "recap.signed_off" and before is not None and before != p["differences"]:
        report.recap_mismatches.append(
            f"{which}: it records differences {_said(p['differences'])}, the log made {_said(before)} then"
        )


def _said(differences: list[dict[str, object]]) -> str:
    return ", ".join(f"{d['count']} {int(str(d['recap'])) - int(str(d['real'])):+d}" for d in differences) or "none"


def _differences_before(state: State, e: Entry) -> list[dict[str, object]] | None:
    if e.kind != "recap.signed_off":
        return None
    return [difference_payload(d) for d in differences_in(state, e.payload["region"], e.payload["contest"])]


def verify_chain(
    entries: Iterator[Entry],
    report: VerifyReport,
    progress: Progress | None = None,
    total: int = 0,
    heard: Heard | None = None,
) -> State:
    """Check every link and fold the log; stops at the first broken entry. `heard` gets each entry's changes."""
    state = State()
    prev, seq = GENESIS, 1
    for e in entries:
        broken = check_link(e, seq, prev)
        if broken is not None:
            report.broken_seq, report.broken_reason = broken.seq, broken.reason
            return state
        try:
            before = _differences_before(state, e)
            changes = apply(state, e)
            if heard is not None:
                heard(e, changes)
            if e.kind == "result.submitted":
                _recheck(state, e, report)
            elif e.kind.startswith("recap."):
                _recheck_recap(state, e, before, report)
        except (KeyError, TypeError, ValueError) as exc:
            report.broken_seq = e.seq
            report.broken_reason = f"entry cannot be applied: {type(exc).__name__}: {exc}"
            return state
        report.entries, report.head_seq, report.head_hash = seq, e.seq, e.hash
        prev, seq = e.hash, seq + 1
        if progress and seq % 500 == 0:
            progress(seq, total)
    if progress:
        progress(report.head_seq, total or report.head_seq)
    return state


def compare_totals(
    state: State, published: list[dict[str, Any]], report: VerifyReport, newer: frozenset[tuple[str, str]] = frozenset()
) -> None:
    """Every total recomputed from the log must equal the published one, and none may be missing
    (except `newer` ones: changed after the log we read ended)."""
    seen: set[tuple[str, str]] = set(newer)
    for row in published:
        key = (row["region"], row["contest"])
        seen.add(key)
        mine = state.totals.get(key)
        expected = totals_row(*key, mine) if mine else None
        report.totals_checked += 1
        for f in TOTAL_FIELDS:
            want = expected[f] if expected else None
            got = row[f]
            if f == "votes":
                got = {str(k): v for k, v in sorted(got.items())}
            if want != got:
                report.totals_mismatches.append(Mismatch(key[0], key[1], f, want, got))
    for key in state.totals.keys() - seen:
        if state.totals[key].tps_total or state.totals[key].tps_reported:
            report.totals_mismatches.append(Mismatch(key[0], key[1], "row", "present", "missing"))


def _check_photo_bytes(name: str, data: bytes, report: VerifyReport) -> None:
    report.photos_checked += 1
    if hashlib.sha256(data).hexdigest() != name:
        report.photos_bad.append(name)


class _Heard:
    """What the fold makes as it goes that the state does not keep: submission rows, token facts, and the
    hash the log has at a checkpoint's seq."""

    def __init__(self, checkpoint: Checkpoint | None) -> None:
        self.checkpoint = checkpoint
        self.submissions: list[tuple[Any, ...]] = []
        self.tokens: dict[str, tuple[str, str, int | None, bool]] = {}
        self.grant_of_token: dict[str, str] = {}  # a token a person issued dies with that person's grant
        self.user_of_grant: dict[str, str] = {}
        self.hash_at_checkpoint: str | None = None

    def _revoke(self, tokens: list[str]) -> None:
        for tok in tokens:
            self.tokens[tok] = (*self.tokens[tok][:3], True)

    def __call__(self, e: Entry, changes: Changes) -> None:
        self.submissions.extend(submission_values(sub) for sub in changes.submissions)
        p = e.payload
        if e.kind == "token.created":
            self.tokens[p["id"]] = (p["role"], p["scope"], p.get("candidate"), False)
            if p.get("grant"):
                self.grant_of_token[p["id"]] = p["grant"]
        elif e.kind == "token.revoked" and p["id"] in self.tokens:
            self._revoke([p["id"]])
        elif e.kind == "grants.given":
            self.user_of_grant.update((row[0], row[1]) for row in p["rows"])
        elif e.kind == "grant.revoked":
            self._revoke([tok for tok, g in self.grant_of_token.items() if g == p["id"]])
        elif e.kind == "user.deactivated":
            self._revoke([tok for tok, g in self.grant_of_token.items() if self.user_of_grant.get(g) == p["user"]])
        if self.checkpoint is not None and e.seq == self.checkpoint.seq:
            self.hash_at_checkpoint = e.hash


def check_checkpoint(cp: Checkpoint, hash_at_seq: str | None, report: VerifyReport, trusted: str | None) -> None:
    """The log must still hold the checkpoint's hash at its seq: a log cut short, or re-hashed from any entry up
    to that seq, does not (whatever its own chain and totals say)."""
    report.checkpoint_seq = cp.seq
    if not cp.signed_correctly(trusted):
        report.checkpoint_note = f"checkpoint of seq {cp.seq} is not validly signed by the expected key"
    elif hash_at_seq is None:
        report.checkpoint_note = f"checkpoint says the log reached seq {cp.seq}; it now ends at {report.head_seq}"
    elif hash_at_seq != cp.hash:
        report.checkpoint_note = (
            f"checkpoint says seq {cp.seq} had hash {cp.hash[:16]}…; the log now has {hash_at_seq[:16]}… there"
        )


def _compare_table(name: str, expected: Iterable[tuple[Any, ...]], stored: Iterable[tuple[Any, ...]],
                   report: VerifyReport) -> None:  # fmt: skip
    want, have = Counter(expected), Counter(stored)
    report.tables_checked += 1
    differ = (want - have) + (have - want)
    if differ:
        report.table_mismatches[name] = sum(differ.values())
        for row in list((have - want).elements())[:2]:
            report.table_examples.append(f"{name}: stored row {row!r} is not what the log folds to")
        for row in list((want - have).elements())[:2]:
            report.table_examples.append(f"{name}: the log folds to {row!r}, not stored")


def compare_projections(conn: Any, state: State, heard: _Heard, report: VerifyReport) -> None:
    """Every projection table, and the tokens' roles, scopes and revocations, row by row against the fold."""
    for table, rows in all_rows(state):
        _compare_table(table.name, (tuple(r) for r in rows), audit.rows_of(conn, table), report)
    _compare_table("submissions", heard.submissions, audit.rows_of(conn, t.submissions), report)
    stored_tokens = audit.token_facts(conn)
    _compare_table("tokens", heard.tokens.items(), stored_tokens.items(), report)


def check_copies(files: PhotoStore, sha: str, original: bytes, made: bool, report: VerifyReport) -> None:
    """Each public copy must be what the original makes now (copies are made deterministically from it); one
    not made yet is missing only once its photo is marked copied."""
    try:
        fresh = public_copies(original)
    except RekapError:
        report.copies_bad.append(f"{sha} (original cannot be decoded)")
        return
    for variant in PHOTO_VARIANTS:
        stored_copy = files.read_public(sha, variant)
        if stored_copy is None:
            if made:
                report.copies_checked += 1
                report.copies_missing.append(f"{sha} {variant}")
            else:
                report.copies_pending += 1
        else:
            report.copies_checked += 1
            if stored_copy != fresh[variant]:
                report.copies_bad.append(f"{sha} {variant}")


def verify_local(
    db: Database,
    files: PhotoStore,
    progress: Progress | None = None,
    checkpoint: Checkpoint | None = None,
    trusted_key: str | None = None,
) -> VerifyReport:
    """This instance: its log, every projection table, its tokens, its photo files and their public copies, and
    (given one) a checkpoint of its head seen earlier."""
    report = VerifyReport()
    heard = _Heard(checkpoint)
    with db.reader.connect() as conn:
        if not db.is_sqlite:  # the log and the tables from one snapshot
            conn.execution_options(isolation_level="REPEATABLE READ")
        head_seq, head_hash = log_table.head(conn)
        state = verify_chain(read_entries(conn, upto=head_seq), report, progress, head_seq, heard)
        if report.broken_seq is None and (head_seq, head_hash) != (report.head_seq, report.head_hash):
            report.head_note = f"log_head says seq {head_seq} but the chain ends at {report.head_seq}"
        published = [totals_row(r, c, x) for (r, c), x in stored_totals.every_row(conn).items()]
        photos = stored_photos.all_hashes(conn)
        not_copied = set(stored_photos.not_copied(conn))
        refs = stored_results.photo_refs(conn)
        if report.broken_seq is None:
            compare_projections(conn, state, heard, report)
    if report.broken_seq is None:
        compare_totals(state, published, report)
    if checkpoint is not None:
        check_checkpoint(checkpoint, heard.hash_at_checkpoint, report, trusted_key)
    for sha in photos:
        original = files.read_original(sha)
        if original is None:
            report.photos_missing.append(sha)
            continue
        _check_photo_bytes(sha, original, report)
        if hashlib.sha256(original).hexdigest() == sha:
            check_copies(files, sha, original, sha not in not_copied, report)
    refs |= {p for r in state.recaps.values() for p in r.photos}  # the D-forms' photos
    report.photos_missing += sorted(refs - set(photos))
    return report


def _read_jsonl(path: Path) -> Iterator[Entry]:
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                d = json.loads(line)
                yield Entry(d["seq"], d["prev_hash"], d["hash"], d["kind"], d["payload"], d["actor"], d["at"])


def verify_export(
    directory: Path, progress: Progress | None = None, checkpoint: Checkpoint | None = None
) -> VerifyReport:
    """A directory written by `rekap export`."""
    log_file = directory / "log.jsonl"
    if not log_file.exists():
        raise InvalidInput(f"{directory} has no log.jsonl; is it a rekap export?", field="export")
    report = VerifyReport()
    refs: set[str] = set()

    def noting_photos(entries: Iterator[Entry]) -> Iterator[Entry]:
        for e in entries:
            if e.kind in ("result.submitted", "recap.entered"):  # C1 and D-form photos
                refs.update(e.payload.get("photos", []))
            yield e

    heard = _Heard(checkpoint)
    state = verify_chain(noting_photos(_read_jsonl(log_file)), report, progress, heard=heard)
    if checkpoint is not None:
        check_checkpoint(checkpoint, heard.hash_at_checkpoint, report, None)
    totals_file = directory / "totals.json"
    if report.broken_seq is None and totals_file.exists():
        compare_totals(state, json.loads(totals_file.read_text())["totals"], report)
    photo_dir = directory / "photos"
    for sha in sorted(refs):
        path = photo_dir / sha[:2] / sha
        if path.exists():
            _check_photo_bytes(sha, path.read_bytes(), report)
        else:
            report.photos_missing.append(sha)
    return report


def _remote_entries(client: httpx.Client, base: str) -> Iterator[Entry]:
    after = 0
    while True:
        page = client.get(f"{base}/api/v1/log", params={"after": after, "limit": 1000})
        page.raise_for_status()
        data = page.json()
        for d in data["entries"]:
            yield Entry(d["seq"], d["prev_hash"], d["hash"], d["kind"], d["payload"], d["actor"], d["at"])
        if data["next_after"] is None:
            return
        after = data["next_after"]


def verify_url(
    base: str,
    progress: Progress | None = None,
    client: httpx.Client | None = None,
    checkpoint: Checkpoint | None = None,
) -> VerifyReport:
    """A running instance, through its public API only: what any citizen can check."""
    base = base.rstrip("/")
    import httpx  # only to compare with a mirror: a seventh of a second off every start

    client = client or httpx.Client(timeout=60)
    report = VerifyReport()
    head = client.get(f"{base}/api/v1/log/head").json()
    heard = _Heard(checkpoint)
    state = verify_chain(_remote_entries(client, base), report, progress, head["seq"], heard)
    if checkpoint is not None:
        check_checkpoint(checkpoint, heard.hash_at_checkpoint, report, None)
    if report.broken_seq is None and report.head_seq < head["seq"]:
        report.head_note = f"the instance's head is seq {head['seq']} but its log ended at {report.head_seq}"
    if report.broken_seq is None:
        published, newer = [], set()
        for contest in client.get(f"{base}/api/v1/contests").json():
            resp = client.get(f"{base}/api/v1/contests/{contest['id']}/totals")
            resp.raise_for_status()
            for r in resp.json():  # a live instance moves on while we read: compare what we can place
                if r["last_seq"] <= report.head_seq:
                    published.append(r)
                else:
                    newer.add((r["region"], r["contest"]))
        compare_totals(state, published, report, frozenset(newer))
    report.photos_note = "the public serves re-encoded photos; check originals with an export (rekap export)"
    return report
