"""Putting a generated election into a database through rekap's own services, before the server starts."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from rekap.bootstrap import Rekap
from rekap.domain.fold import State
from rekap.domain.submission import plan_submission
from rekap.gen import national
from rekap.log.commands import Command
from rekap.settings import Settings
from rekap.web.schemas import SubmissionIn

Say = Callable[[str], None]


def open_db(db_url: str, data_dir: Path) -> Rekap:
    return Rekap.open(Settings(data_dir=data_dir, database_url=db_url, photo_required_from=frozenset()))


def load_election(rekap: Rekap, gen_dir: Path, officers: int, say: Say) -> list[str]:
    """Regions, TPS and the contest from `rekap gen national`'s files; the secrets of `officers` KPPS tokens."""
    t0 = time.monotonic()
    rekap.imports.regions(gen_dir / national.REGIONS_FILE, "bench")
    rekap.imports.tps(gen_dir / national.TPS_FILE, "bench")
    rekap.imports.election(gen_dir / national.ELECTION_FILE, "bench")
    secrets = [rekap.tokens.create(f"KPPS bench {i}", "officer", "bench")[1] for i in range(officers)]
    say(f"loaded {gen_dir.name}: {len(rekap.writer.state.tps):,} TPS in {time.monotonic() - t0:.1f} s")
    return secrets


def preload_results(rekap: Rekap, bodies: list[bytes], batch: int = 2000, say: Say | None = None) -> float:
    """Log the submissions in-process, `batch` to a transaction (the writer's group commit); results/s."""
    token = rekap.tokens.create("bulk importer (bench)", "officer", "bench")[0]
    reporter = token.reporter()
    rejecting = rekap.settings.rejecting_sources

    def command(body: bytes) -> Command:
        sub = SubmissionIn.model_validate_json(body).to_domain()
        return Command(lambda state: plan_submission(state, sub, reporter, rejecting))

    t0 = time.monotonic()
    for i in range(0, len(bodies), batch):
        rekap.writer.append_batch([command(b) for b in bodies[i : i + batch]])
        if say and (i // batch) % 50 == 0:
            say(f"  preloaded {i + batch:,} of {len(bodies):,} results")
    return len(bodies) / (time.monotonic() - t0)


def reported(state: State) -> set[str]:
    return {tps for tps, _contest in state.accepted}
