"""`rekap gen national`: a synthetic, Indonesia-sized election for load tests and benchmarks."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from rekap.cli.common import console, err_console, fail
from rekap.domain.errors import RekapError
from rekap.gen.national import generate_national

app = typer.Typer(no_args_is_help=True, help="Generate synthetic elections for load tests and benchmarks.")


@app.command("national")
def national(
    scale: Annotated[float, typer.Option(help="fraction of Indonesia: 1.0 = 823,236 TPS, 204.8 M voters")] = 1.0,
    seed: Annotated[int, typer.Option(help="the same seed and scale give the same files, byte for byte")] = 1,
    out: Annotated[Path, typer.Option(help="directory to write the files to")] = Path("rekap-national"),
) -> None:
    """A SYNTHETIC Pemilu-sized election on the real region codes: regions.csv, tps.csv, election.toml,
    results.jsonl (submission bodies in arrival order) and manifest.json."""
    started = time.perf_counter()
    with Progress(
        TextColumn("{task.description:>8}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        try:
            m = generate_national(out, scale, seed, update)
        except RekapError as err:
            fail(err)
    console.print(
        f"wrote {out}/ in {time.perf_counter() - started:.1f} s: {m.regions:,} regions, {m.kelurahan:,} kelurahan "
        f"with TPS, {m.tps:,} TPS, {m.dpt:,} voters (DPT), {m.tps:,} results ({m.voters:,} voted)"
    )
    console.print(
        f"load it: rekap import regions {out}/regions.csv && rekap import tps {out}/tps.csv "
        f"&& rekap import election {out}/election.toml"
    )
