"""The `rekap` command: thin wrappers that parse, call one service, print (Rich progress on long jobs)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Column, Table

from rekap.cli import gen
from rekap.cli import people as people_cli
from rekap.cli.common import Opts, actor, console, err_console, fail, instance, progress
from rekap.domain.access import ROLES
from rekap.domain.errors import RekapError
from rekap.domain.regions import NATION
from rekap.services import verify as verification
from rekap.services.checkpoints import Checkpoint
from rekap.services.snapshots import open_sink

app = typer.Typer(no_args_is_help=True, add_completion=False, help="rekap: election real count and tiered recap.")
import_app = typer.Typer(no_args_is_help=True, help="Import regions, TPS, an election definition or recap figures.")
token_app = typer.Typer(no_args_is_help=True, help="API tokens for officers, witnesses, importers and admins.")
stream_app = typer.Typer(no_args_is_help=True, help="Live stream links of recap plenaries.")
app.add_typer(import_app, name="import")
app.add_typer(token_app, name="token")
app.add_typer(stream_app, name="stream")
app.add_typer(gen.app, name="gen")
app.add_typer(people_cli.app, name="people")
purge_app = typer.Typer(no_args_is_help=True, help="Delete internal personal data past its retention period.")
app.add_typer(purge_app, name="purge")


@app.callback()
def main(
    db: Annotated[str | None, typer.Option("--db", help="database URL (default: SQLite in the data directory)")] = None,
    data_dir: Annotated[str | None, typer.Option("--data-dir", help="data directory (default ./rekap-data)")] = None,
) -> None:
    Opts.db, Opts.data_dir = db, data_dir


@app.command()
def init() -> None:
    """Create the database (or bring its schema up to date)."""
    with instance(create=True) as rekap:
        console.print(f"database ready: {rekap.db.shown_url}")


@import_app.command("regions")
def import_regions(file: Path) -> None:
    """Regions CSV: code,name,level,parent_code (Kemendagri codes)."""
    with instance(create=True) as rekap, progress("regions") as p:
        entries = rekap.imports.regions(file, actor(), p)
    console.print(f"imported {file.name}: {len(entries)} log entries, head seq {entries[-1].seq}")


@import_app.command("tps")
def import_tps(file: Path) -> None:
    """TPS CSV: kelurahan_code,tps_number,dpt_total[,dpt_male,dpt_female,address,latitude,longitude]."""
    with instance(create=True) as rekap, progress("TPS") as p:
        entries = rekap.imports.tps(file, actor(), p)
    console.print(f"imported {file.name}: {len(entries)} log entries, head seq {entries[-1].seq}")


@import_app.command("results")
def import_results(
    file: Path,
    source: Annotated[str, typer.Option(help="whose figures these are, e.g. kpu-sirekap (a-z, 0-9, -)")],
) -> None:
    """Per-TPS results of another source (CSV): tps (or kelurahan_code,tps_number), contest, votes_<n> per
    candidate, and any of valid,invalid,used,unused,damaged,dpt,dptb,dpk,voters (empty: unknown). Every row is
    checked before any is logged; importing the same file again changes nothing."""
    with instance(create=True) as rekap, progress(f"results ({source})") as p:
        done = rekap.result_imports.results(file, source, actor(), p)
    console.print(f"imported {file.name}: {done.rows} rows, {done.logged} new entries, {done.unchanged} unchanged")


@import_app.command("election")
def import_election(file: Path) -> None:
    """Election definition (TOML or JSON): an election table, and a contests table for each contest with its
    candidates (see rekap/demo/data/pilkada_dki2017_r2.toml)."""
    with instance(create=True) as rekap:
        entry = rekap.imports.election(file, actor())
    console.print(f"election defined: seq {entry.seq}, {len(entry.payload['contests'])} contest(s)")


@import_app.command("recap")
def import_recap(file: Path) -> None:
    """Recap (D-form) figures per region: region,contest,votes_<n>…,valid,invalid,used,unused,damaged,dpt,dptb,
    dpk,voters[,reason]. Checked whole first; rows equal to a recap already logged change nothing."""
    with instance() as rekap, progress("recap") as p:
        entries = rekap.recap_import.recap(file, actor(), p)
    console.print(f"imported {file.name}: {len(entries)} recap(s) entered or corrected")


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Option(help="who holds it, e.g. 'KPPS TPS 001 Gambir'")],
    role: Annotated[str, typer.Option(help=f"one of {', '.join(ROLES)}")] = "officer",
    scope: Annotated[str, typer.Option(help="region code the token may report for")] = NATION,
    candidate: Annotated[int | None, typer.Option(help="for a witness: the candidate number")] = None,
) -> None:
    """Create a token; it is printed once and stored only as a hash."""
    with instance() as rekap:
        info, secret = rekap.tokens.create(name, role, actor(), scope, candidate)
    err_console.print(f"token {info.id} ({info.role}, scope {info.scope}) — shown once, keep it safe:")
    print(secret)


@token_app.command("revoke")
def token_revoke(token_id: str) -> None:
    with instance() as rekap:
        rekap.tokens.revoke(token_id, actor())
    console.print(f"revoked {token_id}")


@token_app.command("list")
def token_list() -> None:
    with instance() as rekap:
        rows = rekap.tokens.listing()
    table = Table("name", "role", "scope", "created", "last used", "revoked")
    table.columns.insert(0, Column("id", no_wrap=True, min_width=16))  # `token revoke` needs it whole
    for r in rows:
        table.add_row(
            *(str(r[k] or "") for k in ("id", "name", "role", "scope", "created_at", "last_used_at", "revoked_at"))
        )
    console.print(table)


@stream_app.command("set")
def stream_set(region: str, url: str) -> None:
    """Link a region's recap plenary stream (https URL; empty string removes it)."""
    with instance() as rekap:
        rekap.streams.set(region, url, actor())
    console.print(f"stream of {region}: {url or 'removed'}")


@app.command()
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    workers: Annotated[int, typer.Option(help="Uvicorn worker processes (PostgreSQL only)")] = 1,
    ingest_port: Annotated[
        int | None,
        typer.Option(help="a second port, for the field forms and importers: its worker keeps the CPU under a read "
                     "flood of the public port (PostgreSQL only)"),
    ] = None,
) -> None:  # fmt: skip
    """Run the HTTP API and public pages."""
    with instance(create=True) as rekap:
        rekap.check_workers(workers, ingest_port)
        also = f", submissions also on port {ingest_port}" if ingest_port is not None else ""
        console.print(f"rekap serving {rekap.db.shown_url} on http://{host}:{port}/ with {workers} worker(s){also}")
        rekap.serve(host, port, workers, ingest_port=ingest_port)


@app.command()
def rebuild(
    parts: Annotated[
        int | None,
        typer.Option(min=1, help="processes that fold the log, a part of the country each (PostgreSQL; "
                     "default: one per core)"),
    ] = None,
) -> None:  # fmt: skip
    """Recompute every projection and total from the log."""
    with instance() as rekap, progress("rebuild") as p:
        done = rekap.rebuild(p, parts or os.cpu_count() or 1)
    console.print(f"rebuilt from {done.entries} entries: {done.accepted} accepted results, {done.totals} totals")
    if done.part_peak_mb:
        peaks = " + ".join(f"{mb:,}" for mb in done.part_peak_mb)
        console.print(f"folded in {len(done.part_peak_mb)} parts, peak memory {peaks} MB")


def _print_report(r: verification.VerifyReport) -> None:
    console.print(f"entries checked: {r.entries} (head seq {r.head_seq}, hash {r.head_hash})")
    if r.broken_seq is not None:
        console.print(f"[bold red]chain broken at seq {r.broken_seq}[/]: {r.broken_reason}")
    if r.head_note:
        console.print(f"[bold red]{r.head_note}[/]")
    for seq in r.findings_mismatches[:20]:
        console.print(f"[bold red]entry {seq}: its findings are not what the rules of its version find[/]")
    for line in r.recap_mismatches[:20]:
        console.print(f"[bold red]{escape(line)}[/]")
    if r.rules_unknown:
        versions = ", ".join(str(v) for v in sorted(r.rules_unknown))
        console.print(f"results checked with rules version(s) {versions}, newer than this rekap: not re-checked")
    console.print(
        f"photos checked: {r.photos_checked}, bad: {len(r.photos_bad)}, missing: {len(r.photos_missing)}"
        + (f" ({r.photos_note})" if r.photos_note else "")
    )
    for sha in r.photos_bad[:20]:
        console.print(f"[bold red]photo {sha} does not match its hash[/]")
    for sha in r.photos_missing[:20]:
        console.print(f"[bold red]photo {sha} is missing[/]")
    if r.copies_checked or r.copies_pending:
        console.print(f"public photo copies checked: {r.copies_checked}, bad: {len(r.copies_bad)}, "
                      f"missing: {len(r.copies_missing)}, not made yet: {r.copies_pending}")  # fmt: skip
    for c in (r.copies_bad + r.copies_missing)[:20]:
        console.print(f"[bold red]public copy {c} is not what its original makes[/]")
    if r.tables_checked:
        console.print(f"tables checked against the log: {r.tables_checked}, differing: {len(r.table_mismatches)}")
    for name, n in r.table_mismatches.items():
        console.print(f"[bold red]table {name}: {n} row(s) differ from what the log folds to[/]")
    for line in r.table_examples[:10]:
        console.print(f"  {escape(line)}")
    if r.checkpoint_seq is not None:
        console.print(f"checkpoint of seq {r.checkpoint_seq}: " + (f"[bold red]{r.checkpoint_note}[/]"
                                                                   if r.checkpoint_note else "matches"))  # fmt: skip
    console.print(f"totals checked: {r.totals_checked}, mismatches: {len(r.totals_mismatches)}")
    for m in r.totals_mismatches[:20]:
        console.print(
            f"[bold red]totals {m.contest} {m.region} {m.field}[/]: log says {m.expected}, published {m.published}"
        )
    console.print("[bold green]OK[/]" if r.ok else "[bold red]FAILED[/]")


@app.command()
def verify(
    url: Annotated[str | None, typer.Option(help="verify a running instance through its public API")] = None,
    export: Annotated[Path | None, typer.Option(help="verify a directory written by `rekap export`")] = None,
    checkpoint: Annotated[
        Path | None, typer.Option(help="a signed checkpoint kept earlier (from a publish or /api/v1/log/checkpoint)")
    ] = None,
) -> None:
    """Check the hash chain, every photo and its public copies, every table and total against the log, and that
    the log still holds the head a signed checkpoint saw (by default the newest this instance published)."""
    try:
        cp = Checkpoint.from_json(checkpoint.read_bytes()) if checkpoint else None
        with progress("verify") as p:
            if url:
                report = verification.verify_url(url, p, checkpoint=cp)
            elif export:
                report = verification.verify_export(export, p, cp)
            else:
                with instance() as rekap:
                    report = rekap.verify(p, cp)
    except RekapError as err:
        fail(err)
    _print_report(report)
    if not report.ok:
        raise typer.Exit(1)


@app.command("export")
def export_cmd(directory: Path) -> None:
    """Write the log, photo originals and totals (JSON/CSV) to DIRECTORY."""
    with instance() as rekap, progress("export") as p:
        manifest = rekap.export(directory, p)
    console.print(
        f"exported {manifest['entries']} entries, {manifest['photos']} photos, "
        f"{manifest['totals']} totals to {directory}"
    )


@app.command()
def demo(
    port: Annotated[int, typer.Option()] = 8000,
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    rate: Annotated[float, typer.Option(help="simulated TPS results per second")] = 8.0,
    seed: Annotated[int, typer.Option()] = 2017,
    fresh: Annotated[bool, typer.Option(help="start from an empty demo database")] = True,
) -> None:
    """Pilkada DKI 2017 (real regions and TPS with their DPT) and a live SIMULATED count, served at once."""
    from rekap.demo.run import run_demo

    data_dir = Path(Opts.data_dir or "rekap-demo")
    try:
        run_demo(data_dir, Opts.db, host, port, rate, seed, fresh, console)
    except RekapError as err:
        fail(err)


@app.command()
def publish(
    target: Annotated[str, typer.Argument(help="a directory, or s3://bucket/prefix")],
    endpoint_url: Annotated[
        str | None, typer.Option(help="S3-compatible endpoint (MinIO, moto, …); credentials as for the AWS CLI")
    ] = None,
    full: Annotated[bool, typer.Option(help="write every totals file again, not only the changed ones")] = False,
) -> None:
    """Static JSON of the totals and recaps for a CDN: only what changed since the last publish, then current.json."""
    started = time.perf_counter()
    with instance() as rekap, progress("publish") as p:
        done = rekap.publisher.publish(open_sink(target, endpoint_url or rekap.settings.s3_endpoint_url), full, p)
    took = time.perf_counter() - started
    if done.version == done.previous:
        console.print(f"{target} is current (version {done.version}); nothing written")
        return
    console.print(
        f"published version {done.version} to {target}: {done.files:,} totals and {done.recap_files:,} recap files "
        f"changed since version {done.previous}, in {took:.2f} s"
    )


@import_app.command("register")
def import_register(
    file: Path, kind: Annotated[str, typer.Option(help="DPS (provisional) or DPT (final)")] = "DPT"
) -> None:
    """Voter register CSV: nik,name,sex,birth_date,tps. The NIK is kept only as an HMAC (key: the register key file)."""
    started = time.perf_counter()
    with instance(create=True) as rekap, progress("register") as p:
        out = rekap.register.import_file(file, kind, actor(), p)
    if out.unchanged:
        console.print(f"{file.name} is register version {out.version} already; nothing changed")
        return
    console.print(
        f"register version {out.version} ({out.kind}): {out.rows:,} voters, {out.added:,} added, {out.removed:,} "
        f"removed, DPT of {out.tps_changed:,} TPS changed, in {time.perf_counter() - started:.1f} s"
    )


@import_app.command("committees")
def import_committees(file: Path) -> None:
    """Committees CSV: body (ppk, pps, kpps, linmas),area,position,name[,phone,contact]; replaces every committee."""
    with instance(create=True) as rekap:
        entry = rekap.committees.import_csv(file, actor())
    console.print(f"{file.name}: " + (f"{entry.payload['rows']} members, seq {entry.seq}" if entry else "unchanged"))


@import_app.command("schedule")
def import_schedule(file: Path, election: Annotated[str, typer.Option(help="the election's id")]) -> None:
    """Schedule CSV: id,name,start,end (YYYY-MM-DD); replaces the election's stages."""
    with instance(create=True) as rekap:
        entry = rekap.schedule.import_csv(file, election, actor())
    console.print(f"schedule of {election}: {len(entry.payload['stages'])} stages, seq {entry.seq}")


@purge_app.command("health")
def purge_health(
    days: Annotated[int | None, typer.Option(help="days to keep (default: REKAP_HEALTH_RETENTION_DAYS or 30)")] = None,
) -> None:
    """Delete officers' health declarations, check-ins and alerts older than the retention period."""
    with instance() as rekap:
        keep = days if days is not None else rekap.settings.health_retention_days
        gone = rekap.health.purge(keep * 86400)
    console.print(f"deleted health data older than {keep} days: " + ", ".join(f"{n} {k}" for k, n in gone.items()))


if __name__ == "__main__":
    sys.exit(app())
