"""National-scale commands: `rekap gen national` (a synthetic election) and `rekap publish` (static snapshots)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from rekap.domain.errors import RekapError
from rekap.gen.national import generate_national

app = typer.Typer(no_args_is_help=True, help="Generate synthetic elections for load tests and benchmarks.")
console = Console()
err_console = Console(stderr=True)


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
            err_console.print(f"[bold red]error[/] [{err.slug}] {err}")
            raise typer.Exit(2) from err
    console.print(
        f"wrote {out}/ in {time.perf_counter() - started:.1f} s: {m.regions:,} regions, {m.kelurahan:,} kelurahan "
        f"with TPS, {m.tps:,} TPS, {m.dpt:,} voters (DPT), {m.tps:,} results ({m.voters:,} voted)"
    )
    console.print(
        f"load it: rekap import regions {out}/regions.csv && rekap import tps {out}/tps.csv "
        f"&& rekap import election {out}/election.toml"
    )


def publish(
    target: Annotated[str, typer.Argument(help="a directory, or s3://bucket/prefix")],
    endpoint_url: Annotated[
        str | None, typer.Option(help="S3-compatible endpoint (MinIO, moto, …); credentials as for the AWS CLI")
    ] = None,
    full: Annotated[bool, typer.Option(help="write every totals file again, not only the changed ones")] = False,
) -> None:
    """Publish totals as static JSON for a CDN: only what changed since the last publish, then current.json."""
    from rekap.cli.main import context, progress
    from rekap.services import snapshots

    started = time.perf_counter()
    with context() as ctx, progress("publish") as p:
        done = snapshots.publish(ctx, snapshots.open_sink(target, endpoint_url), full, p)
    took = time.perf_counter() - started
    if done.version == done.previous:
        console.print(f"{target} is current (version {done.version}); nothing written")
        return
    console.print(
        f"published version {done.version} to {target}: {done.files:,} totals files changed since version "
        f"{done.previous}, in {took:.2f} s"
    )
