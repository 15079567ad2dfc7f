"""The committed read model: every total, the region tree and the contests as of the last commit this process
has seen, in memory, so public totals and live pages cost no database round trip.

It hears of every commit (this process's own writes and, through the follower, other processes'), subscribed to
the log writer's feed at start-up. The fold in memory runs ahead inside a write transaction that may still roll
back; the read model never does, so a reader never sees a number that was not committed.
"""

from __future__ import annotations

from collections.abc import Iterable
from copy import copy
from dataclasses import dataclass, field, replace

from rekap.domain.contest import Contest
from rekap.domain.fold import Recap, State, Totals
from rekap.domain.regions import NATION, NATION_NAME, Region, is_within, path_of
from rekap.domain.tps import Tps
from rekap.log.commits import Committed
from rekap.log.heap import without_cycle_collection
from rekap.log.writer import LogWriter
from rekap.services.tps_index import TpsIndex

#: Entry kinds that change names, the tree or the contests (results and tokens change none of them).
TREE_KINDS = frozenset({"regions.imported", "election.defined", "schedule.set"})


class RegionTree:
    """Regions by code and children by parent."""

    def __init__(self, regions: Iterable[Region]) -> None:
        self.regions: dict[str, Region] = {NATION: Region(NATION, NATION_NAME, 0, "")}
        self.children: dict[str, list[str]] = {}
        for r in sorted(regions, key=lambda r: r.code):
            if r.code == NATION:
                continue
            self.regions[r.code] = r
            self.children.setdefault(r.parent, []).append(r.code)

    def ancestors(self, code: str) -> list[Region]:
        """Nation first, then the known ancestors of `code` (not `code` itself; none for the nation)."""
        if code == NATION:
            return []
        return [self.regions[c] for c in reversed(path_of(code)[1:]) if c in self.regions]

    def shown_children(self, code: str, scope: str) -> list[str]:
        """The regions a totals answer lists under `code` for a contest of `scope`: its children inside the
        scope, or the scope itself for a region above it."""
        if is_within(code, scope):
            return self.children.get(code, [])
        return [scope] if is_within(scope, code) else []


@dataclass(frozen=True)
class Structure:
    """What changes only with imports and contest definitions; replaced whole, never edited."""

    seq: int  # the fold's structure_seq when it was taken: versions cached answers
    tree: RegionTree
    contests: dict[str, Contest]
    election_names: dict[str, str]
    #: each election's stages (id, name, start, end) in date order
    schedules: dict[str, tuple[tuple[str, str, str, str], ...]] = field(default_factory=dict)


def _structure_of(state: State) -> Structure:
    names = {e.id: e.name for e in state.elections.values()}
    tree = RegionTree(state.regions.values())
    return Structure(state.structure_seq, tree, dict(state.contests), names, dict(state.schedules))


class ReadModel:
    """Committed totals per (region, contest). Loaded whole on first use, then kept current by `heard`."""

    def __init__(self, writer: LogWriter) -> None:
        self._writer = writer
        self._totals: dict[tuple[str, str], Totals] = {}
        self._structure: Structure | None = None
        self._tps_seq: dict[str, int] = {}
        self._recaps: dict[tuple[str, str], Recap] = {}
        self._index = TpsIndex()
        self.seq = 0  # the last committed entry folded in
        #: the TPS the last commit heard brought their first submission or photos to
        self.first_heard: frozenset[str] = frozenset()

    @property
    def structure(self) -> Structure:
        s = self._structure
        if s is None:
            self._writer.read_committed(self._load)
            s = self._structure
            assert s is not None
        return s

    def totals(self, region: str, contest: str) -> Totals | None:
        self.structure  # noqa: B018 - loads the read model on first use
        return self._totals.get((region, contest))

    def recap(self, region: str, contest: str) -> Recap | None:
        """The committed recap of a region in a contest (None: not started)."""
        self.structure  # noqa: B018 - loads the read model on first use
        return self._recaps.get((region, contest))

    def recaps_of(self, contest: str) -> list[Recap]:
        self.structure  # noqa: B018
        return [r for (_, c), r in self._recaps.items() if c == contest]

    @property
    def index(self) -> TpsIndex:
        """Corrections, disputes and sources of the TPS, committed (rekap/services/tps_index.py)."""
        self.structure  # noqa: B018 - loads the read model on first use
        return self._index

    def region_version(self, region: str, contest: str) -> tuple[int, int]:
        """What any answer about a region's totals depends on: its own totals row (every change below it passes
        through that row; 0: nothing counted there yet) and names, TPS, contests and streams (the structure).
        An answer that cannot be built (no such region or contest) is never kept, whatever its version."""
        t = self.totals(region, contest)
        return (t.last_seq if t is not None else 0, self.structure.seq)

    def tps_version(self, tps: str) -> tuple[int, int]:
        """What a TPS answer depends on: its last committed submission (0: none) and the structure."""
        return (self._tps_seq.get(tps, 0), self.structure.seq)

    def committed_tps(self) -> list[Tps]:
        """Every TPS as committed: the fold's own rows, which a change replaces rather than edits, so they may be
        read after the lock is let go."""
        out: list[Tps] = []
        self._writer.read_committed(lambda state: out.extend(state.tps.values()))
        return out

    def _load(self, state: State) -> None:
        """Under the writer's lock, with no write in flight: the state is the committed one. Copied with the cyclic
        collector off: just after a national state is loaded, each of its runs would walk millions of objects."""
        with without_cycle_collection():
            self._totals = {k: t.copy() for k, t in state.totals.items()}
            self._tps_seq = dict(state.tps_seq)
            self._recaps = {k: _recap_copy(r) for k, r in state.recaps.items()}
            self._index.load(state)
            self.seq = state.seq
            self._structure = _structure_of(state)

    def heard(self, event: Committed) -> None:
        """A commit (on the writer's thread, still under its lock, right after the commit)."""
        self.first_heard = frozenset()
        if self._structure is None:
            return  # never read yet: the first read loads everything
        state = self._writer.peek()
        if state is None:
            return
        if event.seq - len(event.kinds) != self.seq:  # entries folded without us (a reload): take it all again
            self._load(state)
            return
        for key in event.totals:
            t = state.totals.get(key)
            if t is not None:
                self._totals[key] = t.copy()
        for key in event.recaps:
            self._recaps[key] = _recap_copy(state.recaps[key])
        # a confirmation of a held result is no submission, but it changes what the TPS's answers show
        touched = {tps for tps, _contest in event.submitted | event.photo_reports | event.accepted}
        self.first_heard = frozenset(tps for tps in touched if tps not in self._tps_seq)
        for tps in touched:
            self._tps_seq[tps] = state.tps_seq.get(tps, 0)
        self._index.heard(state, event)
        if TREE_KINDS.intersection(event.kinds):
            self._structure = _structure_of(state)
        elif state.structure_seq != self._structure.seq:
            self._structure = replace(self._structure, seq=state.structure_seq)
        self.seq = event.seq


def _recap_copy(r: Recap) -> Recap:
    """A copy the fold's later steps do not change (its figures are immutable; its list of entries is not)."""
    out = copy(r)
    out.entries = list(r.entries)
    return out
