"""What the read model keeps of the TPS besides their totals: the corrected results counted per region, the TPS
where sources disagree, the sources' labels, and when anything below a region last changed — so that a region
page's problem links and the comparison of two sources need no SQL.

Filled with the read model (on its load and after each commit, on the writer's thread); readers on other threads
only look things up or take a copy of what they iterate, and what they iterate is replaced, never edited.
"""

from __future__ import annotations

from rekap.domain.fold import State
from rekap.domain.regions import is_within, path_of
from rekap.log.commits import Committed

Key = tuple[str, str]  # (TPS or region code, contest)


def _kelurahan(tps: str) -> str:
    return tps.rsplit("-", 1)[0]


class TpsIndex:
    def __init__(self) -> None:
        self.loaded_seq = 0  # the entry the read model was loaded at: versions below count from it
        self._corrected: set[Key] = set()  # (tps, contest) whose accepted result is a correction; writer only
        self._corrected_in: dict[Key, int] = {}  # (region, contest) → how many of those lie within it
        self._disputed: dict[Key, frozenset[str]] = {}  # (kelurahan, contest) → its TPS where sources disagree
        self._labels: dict[str, frozenset[str]] = {}  # contest → source labels logged since the load
        self._below: dict[str, int] = {}  # region → the last entry since the load that touched a TPS within it

    def load(self, state: State) -> None:
        self.loaded_seq = state.seq
        self._labels, self._below = {}, {}
        self._corrected, self._corrected_in = set(), {}
        for key, a in state.accepted.items():
            if a.source == "correction":
                self._mark_corrected(state, key, True)
        disputed: dict[Key, set[str]] = {}
        for tps, contest in state.disagreeing:
            disputed.setdefault((_kelurahan(tps), contest), set()).add(tps)
        self._disputed = {k: frozenset(v) for k, v in disputed.items()}

    def heard(self, state: State, event: Committed) -> None:
        for key in event.accepted:
            a = state.accepted.get(key)
            now = a is not None and a.source == "correction"
            if now != (key in self._corrected):
                self._mark_corrected(state, key, now)
        disagreeing, labels = state.disagreeing, self._labels
        for key in event.submitted:
            self._dispute(*key, key in disagreeing)
            reported = state.latest_of(key).keys()
            known = labels.get(key[1], frozenset())
            if not known.issuperset(reported):
                labels[key[1]] = known | reported
        below, seq = self._below, event.seq
        for kelurahan in {_kelurahan(tps) for tps, _ in event.submitted | event.accepted}:
            for code in path_of(kelurahan):
                below[code] = seq

    def _mark_corrected(self, state: State, key: Key, corrected: bool) -> None:
        tps, contest = key
        if corrected:
            self._corrected.add(key)
        else:
            self._corrected.discard(key)
        step = 1 if corrected else -1
        keys, _ = state.totals_on_path(_kelurahan(tps), state.contests[contest])
        for k in keys:
            self._corrected_in[k] = self._corrected_in.get(k, 0) + step

    def _dispute(self, tps: str, contest: str, disputed: bool) -> None:
        bucket_key = (_kelurahan(tps), contest)
        bucket = self._disputed.get(bucket_key, frozenset())
        if (tps in bucket) != disputed:
            self._disputed[bucket_key] = bucket | {tps} if disputed else bucket - {tps}

    def corrected(self, region: str, contest: str) -> int:
        """How many TPS within `region` count a correction as their accepted result."""
        return self._corrected_in.get((region, contest), 0)

    def disputed(self, region: str, contest: str) -> list[str]:
        """The TPS within `region` whose sources disagree (accepted result or not), in code order."""
        buckets = list(self._disputed.items())  # one step under the GIL: a copy the writer does not change
        return sorted(t for (kel, c), codes in buckets if c == contest and is_within(kel, region) for t in codes)

    def labels_since_load(self, contest: str) -> frozenset[str]:
        return self._labels.get(contest, frozenset())

    def changed_below(self, region: str) -> int:
        """The last entry that brought a submission or changed an accepted result within `region` (the load's
        seq if none since): what an answer made of the TPS's submissions depends on."""
        return self._below.get(region, self.loaded_seq)
