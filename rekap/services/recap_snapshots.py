"""The recaps in the static snapshots (`rekap publish`): each region's recap with its figures, its state and its
differences, versioned like the totals so that a republish writes only the files that changed.

    recaps/<contest>/<region>/<version>.json   {"version", "recap": RecapView as the API serves it, "children"}

A region has a file when it or a region within it has a recap. Its version is the newest of its totals' `last_seq`
and of the last recap entry of any region within it: every entry that can change its comparison, or the line of
one of its children, moves it. Each file lists its children with their status, their number of differences and
their file's key, so a reader goes down from the scope's file, which current.json names.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from rekap.domain.contest import Contest
from rekap.domain.fold import Recap
from rekap.domain.regions import is_within, path_of
from rekap.services.read_model import RegionTree
from rekap.services.recaps import RecapReads, RecapView, recap_view
from rekap.services.views import RegionRef, json_of
from rekap.store import recaps as stored_recaps
from rekap.store import totals as stored_totals


def recap_key(contest: str, region: str, version: int) -> str:
    return f"recaps/{contest}/{region}/{version}.json"


@dataclass(frozen=True)
class ChildRecap:
    region: RegionRef
    status: str
    signed_at: str
    differences: int
    recap: str | None  # its file's key (None: no recap within it, so no file)


@dataclass(frozen=True)
class RecapFile:
    version: int
    recap: RecapView
    children: list[ChildRecap]


@dataclass(frozen=True)
class RecapFiles:
    files: list[tuple[str, bytes]]
    versions: dict[str, int]  # region → version of each file written
    root: str | None  # the key of the scope's file


def recap_files(conn: Connection, tree: RegionTree, contest: Contest, since: int) -> RecapFiles:
    """The recap files of `contest` whose version is newer than `since`, read in `conn`'s snapshot."""
    recaps = stored_recaps.recaps_of(conn, contest.id)
    newest: dict[str, int] = {}  # region → the last recap entry within it
    for region, (_, seq) in recaps.items():
        for code in path_of(region):
            if code in tree.regions and is_within(code, contest.scope):
                newest[code] = max(newest.get(code, 0), seq)
    if not newest:
        return RecapFiles([], {}, None)
    kids = {code: tree.shown_children(code, contest.scope) for code in newest}
    totals = stored_totals.of_regions(conn, contest.id, {k for code in newest for k in (code, *kids[code])})
    version = {code: max(seq, totals[code].last_seq if code in totals else 0) for code, seq in newest.items()}
    key = {code: recap_key(contest.id, code, v) for code, v in version.items()}

    def recap_of(code: str) -> Recap | None:
        hit = recaps.get(code)
        return hit[0] if hit else None

    def changed_after(region: str, seq: int) -> list[str]:
        return stored_recaps.changed_after(conn, region, contest.id, seq)

    reads = RecapReads(tree, contest, recap_of, totals.get, changed_after)
    views: dict[str, RecapView] = {}

    def view(code: str) -> RecapView:
        if code not in views:
            views[code] = recap_view(reads, code)
        return views[code]

    def line(kid: str) -> ChildRecap:
        ref = RegionRef.of(tree.regions[kid])
        if kid not in newest:
            return ChildRecap(ref, "not_started", "", 0, None)
        v = view(kid)
        return ChildRecap(ref, v.status, v.signed_at, len(v.differences), key[kid])

    files, written = [], {}
    for code in sorted(c for c, v in version.items() if v > since):
        files.append((key[code], json_of(RecapFile(version[code], view(code), [line(k) for k in kids[code]]))))
        written[code] = version[code]
    return RecapFiles(files, written, key.get(contest.scope))
