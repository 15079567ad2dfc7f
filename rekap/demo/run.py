"""`rekap demo`: real DKI Jakarta regions and TPS, the 2017 governor contest, a live SIMULATED count."""

from __future__ import annotations

import shutil
import threading
from dataclasses import replace
from pathlib import Path

import uvicorn
from rich.console import Console

from rekap.bootstrap import Rekap
from rekap.demo.simulate import DATA, Reporters, Simulator
from rekap.domain.errors import InvalidInput
from rekap.services.tokens import TokenInfo
from rekap.settings import Settings
from rekap.web import serving

CONTEST = "gubernur-dki-2017-r2"


def _clear(data_dir: Path) -> None:
    if not data_dir.exists():
        return
    if any(data_dir.iterdir()) and not (data_dir / "rekap.sqlite3").exists():
        raise InvalidInput(
            f"{data_dir} is not empty and is not a rekap demo directory; choose another --data-dir", field="data-dir"
        )
    shutil.rmtree(data_dir)


def load_demo_data(rekap: Rekap, console: Console | None = None) -> None:
    """Regions, TPS and the contest, unless they are in already (a resumed demo)."""
    state = rekap.writer.state
    who = "demo"
    if "31" not in state.regions:
        rekap.imports.regions(DATA / "wilayah_dki.csv", who)
    if not state.tps:
        rekap.imports.tps(DATA / "tps_round1.csv", who)
    if CONTEST not in state.contests:
        rekap.imports.election(DATA / "pilkada_dki2017_r2.toml", who)
    if not state.committees_hash:  # Gambir's committees: invented names, every one marked (simulasi)
        rekap.committees.import_csv(DATA / "committees_simulasi.csv", who)
    if console:
        dpt = sum(t.dpt or 0 for t in state.tps.values())
        console.print(f"loaded {len(state.regions) - 1} regions, {len(state.tps):,} TPS with {dpt:,} voters (DPT)")


def demo_reporters(rekap: Rekap) -> Reporters:
    contest = rekap.writer.state.contests[CONTEST]

    def make(name: str, role: str, candidate: int | None = None) -> TokenInfo:
        return rekap.tokens.create(name, role, "demo", "31", candidate)[0]

    return Reporters(
        officer=make("KPPS (simulasi)", "officer"),
        operator=make("Operator KPU DKI (simulasi)", "operator"),
        volunteer=make("Relawan (simulasi)", "volunteer"),
        witnesses={n: make(f"Saksi paslon {n} (simulasi)", "witness", n) for n in contest.numbers},
    )


def run_demo(
    data_dir: Path, db: str | None, host: str, port: int, rate: float, seed: int, fresh: bool, console: Console
) -> None:
    sock = serving.listening_alone(host, port)  # a busy port fails here, before anything is loaded or printed
    if fresh and not db:
        _clear(data_dir)
    settings = replace(Settings.from_env(db=db, data_dir=str(data_dir)), simulated=True)
    rekap = Rekap.open(settings)
    load_demo_data(rekap, console)
    sim = Simulator(rekap, rekap.writer.state.contests[CONTEST], demo_reporters(rekap), rate, seed)
    thread = threading.Thread(target=sim.run, name="simulator", daemon=True)
    app = rekap.web_app(then=(thread.start,))

    url = f"http://{host}:{port}/"
    console.print(
        f"[bold]rekap demo[/] — [red]SIMULATED count[/] of Pilkada DKI Jakarta 2017 putaran 2, "
        f"{rate:g} TPS/s\n  open [link={url}]{url}[/]   (Ctrl+C to stop; data in {data_dir})"
    )
    try:
        options = serving.uvicorn_options(settings.header_timeout, settings.idle_timeout)
        uvicorn.Server(uvicorn.Config(app, **options)).run(sockets=[sock])
    finally:
        sim.stop.set()
        rekap.close()
