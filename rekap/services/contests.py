"""The contests on the ballot, as the read side shows them."""

from __future__ import annotations

from rekap.domain.contest import Contest
from rekap.domain.errors import UnknownContest
from rekap.services.read_model import ReadModel
from rekap.services.views import ContestView
from rekap.store import contests as stored
from rekap.store.db import Database


class Contests:
    def __init__(self, model: ReadModel, db: Database) -> None:
        self.model, self.db = model, db

    def contest(self, contest_id: str) -> Contest:
        c = self.model.structure.contests.get(contest_id)
        if c is None:
            raise UnknownContest(f"no contest {contest_id!r}", field="contest_id")
        return c

    def get(self, contest_id: str) -> ContestView:
        c = self.contest(contest_id)
        return ContestView.of(c, self.model.structure.election_names.get(c.election, ""))

    def all(self) -> list[ContestView]:
        """From the committed read model: every page asks, and it must cost no database round trip."""
        s = self.model.structure
        contests = [s.contests[k] for k in sorted(s.contests)]
        return [ContestView.of(c, s.election_names.get(c.election, "")) for c in contests]

    def stored(self) -> list[ContestView]:
        """From the database, so that a process which never folds the log (`rekap publish`) can list them too."""
        with self.db.reader.connect() as conn:
            names = stored.election_names(conn)
            return [ContestView.of(c, names.get(c.election, "")) for c in stored.all_contests(conn)]
