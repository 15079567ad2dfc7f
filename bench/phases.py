"""The phases of a bench run: HTTP ingest with freshness, reads under ingest, profile, snapshot publish, rebuild,
and SQLite; each adds its figures (with the in-run baseline) to the run and ends with rebuild == live."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench import flood, freshness, ingest, loader, photo_copies, profile, rebuild
from bench import publish as snapshot_bench
from bench import reads as read_bench
from bench import sqlite as sqlite_bench
from bench.load import InChild
from bench.server import REPO, CpuMeter, CpuShare, Server, serving
from bench.stats import Figure, Load
from rekap.gen import national
from rekap.services import snapshots
from rekap.web.serving import READER_NICE

OUT = REPO / "bench" / "out"
S3_FILES = 10_000


@dataclass
class Run:
    args: argparse.Namespace
    gen: Path
    manifest: national.Manifest
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    hotspots: dict[str, profile.Hotspots] = field(default_factory=dict)
    used: int = 0  # results of the stream sent so far: each phase goes on where the last one stopped
    counted: tuple[list[int], int] | None = None  # every TPS reported: the candidates' numbers, the log's length

    @property
    def results(self) -> Path:
        return self.gen / national.RESULTS_FILE

    def start(self) -> int:
        return self.used % self.manifest.tps

    def say(self, text: str) -> None:
        print(text, flush=True)

    def note(self, text: str) -> None:
        self.notes.append(text)
        self.say("  " + text)

    def add(self, fig: Figure) -> None:
        self.figures.append(fig)
        self.say("» " + fig.line())


def _ingest_in_child(run: Run, srv: Server, tokens: list[str], photos: bool, seconds: float, tag: str) -> InChild:
    a = run.args
    return InChild(ingest.ingest, srv.port, run.results, run.start(), tokens, photos, a.concurrency, seconds, tag)


def _ingest(
    run: Run, srv: Server, tokens: list[str], photos: bool, seconds: float, tag: str
) -> tuple[ingest.IngestRun, CpuShare]:
    meter = CpuMeter(srv)
    child = _ingest_in_child(run, srv, tokens, photos, seconds, tag)
    out: ingest.IngestRun = child.result()
    meter.stop()
    run.used += out.load.ok
    return out, meter.finish(child.cpu)


def check_verify(run: Run, db_url: str, data_dir: Path, what: str) -> None:
    """`rekap verify`: the chain holds and the totals recomputed from the log equal the live ones."""
    ran = rebuild.run_rekap(["verify"], db_url, data_dir)
    run.note(f"`rekap verify` after {what}: exit {ran.returncode} in {ran.seconds:.1f} s (rebuild == live)")
    if ran.returncode != 0:
        raise SystemExit(f"rebuild != live after {what}:\n{ran.output[-3000:]}")


def http_phases(run: Run, db_url: str, data_dir: Path, tokens: list[str]) -> None:
    a = run.args
    body = ingest.read_bodies(run.results, 0, 1)[0]
    baseline = ingest.insert_baseline(db_url, body, min(10.0, a.duration))
    with serving(db_url, data_dir, a.workers) as srv:
        run.say(f"server up: {a.workers} worker(s) on port {srv.port}")
        if "ingest" in a.only:
            ingest_and_freshness(run, srv, tokens, baseline, db_url)
        if "reads" in a.only:
            reads_under_ingest(run, srv, tokens)
        if "profile" in a.only and profile.available():
            profile_server(run, srv, tokens)
        if "flood" in a.only:
            flood_phase(run, srv, tokens)
        if "publish" in a.only:
            publish_after_burst(run, srv, db_url, data_dir, tokens)
    if "flood" in a.only:
        with serving(db_url, data_dir, a.workers, ingest=True) as srv:
            run.say(f"server up: {a.workers} worker(s) on port {srv.port}, one on ingest port {srv.ingest_port}")
            flood_on_the_ingest_port(run, srv, tokens)
    check_verify(run, db_url, data_dir, "the HTTP benchmarks")


def ingest_and_freshness(run: Run, srv: Server, tokens: list[str], baseline: float, db_url: str) -> None:
    a, contest = run.args, run.manifest.contest
    poller = InChild(freshness.poll_national, srv.port, contest, a.duration + 1)
    sse = InChild(freshness.watch_events, srv.port, f"{a.events_path}?topic=r:{contest}:ID&lang=en", "ID|tin",
                  a.duration + 1)  # fmt: skip
    out, cpu = _ingest(run, srv, tokens, False, a.duration, "plain")
    plain = out.load.rate
    polled = poller.result()
    status, events, _ = sse.result()
    run.add(
        Figure(
            "ingest over HTTP, no photos",
            out.load.rate,
            "results/s",
            f"{out.load.summary()}; {a.concurrency} connections; {cpu.text()}; {cpu.per_request(out.load.rate)}",
            target="≥ 1,000/s",
            met=out.load.rate >= 1000,
            baseline=baseline,
            baseline_name="single-row INSERT+COMMIT loop (psycopg, 1 connection)",
            ratio_target=0.5,
        )
    )
    seen = freshness.delays(out.acks, [(t, s) for t, s, _ in polled])
    p99 = freshness.percentile(seen, 99) * 1000 if seen else float("inf")
    run.add(
        Figure(
            "freshness: ack → national total over HTTP (polled every 20 ms)",
            p99,
            "ms p99",
            freshness.describe(seen, len(out.acks)) + "; during the ingest above",
            target="p99 ≤ 1,000 ms",
            met=p99 <= 1000,
        )
    )
    if status != 200:
        run.note(f"SSE: HTTP {status} from {a.events_path}; freshness measured by polling only")
    else:
        shown = freshness.seqs_shown(events, polled)
        seen = freshness.delays(out.acks, shown)
        p99 = freshness.percentile(seen, 99) * 1000 if seen else float("inf")
        run.add(
            Figure(
                "freshness: ack → SSE client (national page)",
                p99,
                "ms p99",
                f"{freshness.describe(seen, len(out.acks))}; {len(events)} patch events "
                "(seq of an event: lower bound from the poller's TPS-in count)",
                target="p99 ≤ 1,000 ms",
                met=p99 <= 1000,
            )
        )
    out, cpu = _ingest(run, srv, tokens, True, a.duration, "photo")
    run.add(
        Figure(
            "ingest over HTTP, one ~25 KB JPEG each",
            out.load.rate,
            "results/s",
            f"{out.load.summary()} (latency = one POST with the photo); {cpu.text()}; {cpu.per_request(out.load.rate)}",
            target="≥ 1,000/s",
            met=out.load.rate >= 1000,
            baseline=plain,
            baseline_name="the same ingest without photos",
            ratio_target=0.5,
        )
    )
    photo_copies.note_backlog(run, db_url)


def _tps_codes(run: Run) -> list[str]:
    with (run.gen / national.TPS_FILE).open(encoding="utf-8") as f:
        next(f)
        return [f"{kel}-{int(number):03d}" for kel, number, *_ in (line.split(",") for line in f)]


def _reads_while_ingesting(
    run: Run, srv: Server, tokens: list[str], paths: list[str], tag: str
) -> tuple[Load, Load, CpuShare]:
    meter = CpuMeter(srv)
    writer = _ingest_in_child(run, srv, tokens, False, run.args.duration, tag)
    readers = InChild(read_bench.reads, srv.port, paths, run.args.duration)
    got: Load = readers.result()
    wrote: ingest.IngestRun = writer.result()
    meter.stop()
    run.used += wrote.load.ok
    return got, wrote.load, meter.finish(readers.cpu + writer.cpu)


def reads_under_ingest(run: Run, srv: Server, tokens: list[str]) -> None:
    tps = _tps_codes(run)
    regions = ["ID", *sorted({code[:n] for code in tps for n in (2, 5, 8, 13)})]
    paths = read_bench.read_paths(run.manifest.contest, regions, tps)
    cold = InChild(read_bench.first_pass, srv.port, paths, 4 * run.args.duration).result()
    run.note(
        f"reads, first pass over the {len(paths):,} paths (every answer built, no ingest): {cold.summary()} "
        f"({cold.kinds()})"
    )
    warm = InChild(read_bench.warm_every_worker, srv.port, paths, 8 * run.args.duration).result()
    run.note(f"reads, every path {read_bench.WARM_COPIES} times to warm every worker: {warm.summary()}")
    got, wrote, cpu = _reads_while_ingesting(run, srv, tokens, paths, "reads")
    static, wrote_too, static_cpu = _reads_while_ingesting(run, srv, tokens, ["/bench/static"], "static")
    run.add(
        Figure(
            "reads under ingest: totals + TPS pages, 64 connections (after a first pass)",
            got.rate,
            "req/s",
            f"{got.summary()} ({got.kinds()}); ingest meanwhile {wrote.rate:,.0f} results/s; {cpu.text()}",
            target="≥ 3,000 req/s, p99 < 50 ms",
            met=got.rate >= 3000 and got.ms(99) < 50,
            baseline=static.rate,
            baseline_name="static bytes, same server, same ingest",
            ratio_target=0.5,
        )
    )
    run.note(
        f"static-bytes baseline: {static.summary()}; ingest meanwhile {wrote_too.rate:,.0f}/s; {static_cpu.text()}"
    )


def _steady(run: Run, srv: Server, tokens: list[str], tag: str, port: int | None = None) -> InChild:
    ingest_child = InChild(
        flood.steady_ingest, port or srv.port, str(run.results), run.used, tokens, run.args.duration, tag
    )
    run.used += int(flood.STEADY_RATE * run.args.duration)
    return ingest_child


def _flood_paths(run: Run) -> list[str]:
    tps = _tps_codes(run)
    regions = ["ID", *sorted({code[:n] for code in tps for n in (2, 5, 8, 13)})]
    return flood.page_paths(run.manifest.contest, regions, tps)


def _ingest_under_flood(run: Run, srv: Server, tokens: list[str], name: str, tag: str, port: int) -> None:
    """A steady ingest to `port` alone, then under a flood of the public port's pages: its ack p99 as a figure."""
    paths = _flood_paths(run)
    alone: Load = _steady(run, srv, tokens, f"{tag}steady", port).result()
    n, secs = flood.FLOOD_CONNECTIONS, run.args.duration
    writer = _steady(run, srv, tokens, f"{tag}flooded", port)
    readers = InChild(read_bench.reads, srv.port, paths, secs, n, True)
    flooded: Load = writer.result()
    got: Load = readers.result()
    run.add(
        Figure(
            f"{name}: ack p99",
            flooded.ms(99),
            "ms",
            f"{flooded.summary()}; the flood meanwhile (gzip, as browsers ask) {got.summary()} ({got.kinds()})",
            target="p99 ≤ 250 ms",
            met=flooded.ms(99) <= 250 and flooded.ok >= 0.99 * flood.STEADY_RATE * secs,
            baseline=alone.ms(99),
            baseline_name="the same steady ingest without readers",
        )
    )


def flood_phase(run: Run, srv: Server, tokens: list[str]) -> None:
    """A steady 200 results/s alone, then under a 256-connection flood of pages, then the home page alone
    under that flood."""
    n, secs = flood.FLOOD_CONNECTIONS, run.args.duration
    name = f"ingest at a steady {flood.STEADY_RATE} results/s under a {n}-connection read flood"
    _ingest_under_flood(run, srv, tokens, name, "", srv.port)
    writer = _steady(run, srv, tokens, "home")
    home: Load = InChild(read_bench.reads, srv.port, ["/"], secs, n, True).result()
    also: Load = writer.result()
    run.add(
        Figure(
            f"home page under a {n}-connection flood, with a steady {flood.STEADY_RATE} results/s",
            home.rate,
            "req/s",
            f"{home.summary()}, gzip as browsers ask; ingest meanwhile {also.summary()}",
            target="≥ 2,000 req/s",
            met=home.rate >= 2000,
        )
    )


def flood_on_the_ingest_port(run: Run, srv: Server, tokens: list[str]) -> None:
    """The same flood of the public port, with the steady ingest sent to the ingest port (`rekap serve
    --ingest-port`): how a deployment keeps the officers' submissions out of the crowd's way."""
    assert srv.ingest_port is not None
    name = (f"the same, ingest sent to the ingest port ({srv.workers} public worker(s) at nice {READER_NICE}, "
            "1 ingest worker)")  # fmt: skip
    _ingest_under_flood(run, srv, tokens, name, "ingest-port-", srv.ingest_port)


def _profiled(run: Run, srv: Server, name: str, seconds: int) -> tuple[list[subprocess.Popen[bytes]], Path, Path]:
    OUT.mkdir(parents=True, exist_ok=True)
    raw, svg = OUT / f"{name}-profile.txt", OUT / f"{name}-profile.svg"
    return (
        [profile.record(srv.proc.pid, seconds, raw), profile.record(srv.proc.pid, seconds, svg, "flamegraph")],
        raw,
        svg,
    )


def profile_server(run: Run, srv: Server, tokens: list[str]) -> None:
    """py-spy on the server during ingest alone, then during reads alone (64 connections)."""
    seconds = max(5, int(run.args.duration // 2))
    spies, raw, svg = _profiled(run, srv, "ingest", seconds)
    out, cpu = _ingest(run, srv, tokens, False, seconds + 1, "profile")
    for spy in spies:
        spy.wait(60)
    if raw.exists():
        run.hotspots["ingest"] = profile.hotspots(raw)
    run.note(f"profiled ingest ({out.load.rate:,.0f}/s while sampled; {cpu.text()}); flame graph: {svg}")
    tps = _tps_codes(run)
    regions = ["ID", *sorted({code[:n] for code in tps for n in (2, 5, 8, 13)})]
    spies, raw, svg = _profiled(run, srv, "reads", seconds)
    meter = CpuMeter(srv)
    readers = InChild(
        read_bench.reads, srv.port, read_bench.read_paths(run.manifest.contest, regions, tps), seconds + 1
    )
    got: Load = readers.result()
    meter.stop()
    for spy in spies:
        spy.wait(60)
    if raw.exists():
        run.hotspots["reads"] = profile.hotspots(raw)
    share = meter.finish(readers.cpu)
    run.note(
        f"profiled reads without ingest: {got.summary()} ({got.kinds()}); {share.text()}; "
        f"{share.per_request(got.rate)}; flame graph: {svg}"
    )


def publish_after_burst(run: Run, srv: Server, db_url: str, data_dir: Path, tokens: list[str]) -> None:
    a = run.args
    rekap = loader.open_db(db_url, data_dir)
    target = Path(tempfile.mkdtemp(prefix="rekap-snapshots-"))
    try:
        sink = snapshots.DirectorySink(target)
        with snapshot_bench.moto_bucket("rekap-bench") as s3:
            full = snapshot_bench.timed_publish(rekap, sink)
            # moto answers a few hundred PUTs a second: past S3_FILES only the directory is timed
            full_s3 = snapshot_bench.timed_publish(rekap, s3) if full.files <= S3_FILES else None
            burst = InChild(
                ingest.count_only, srv.port, run.results, run.start(), tokens, a.burst, a.concurrency, "burst"
            )
            sent: Load = burst.result()
            run.used += sent.ok
            again = snapshot_bench.timed_publish(rekap, sink)
            again_s3 = snapshot_bench.timed_publish(rekap, s3) if full_s3 else None
    finally:
        rekap.close()
        shutil.rmtree(target, ignore_errors=True)
    s3_took = f"{again_s3.seconds:.2f} s" if again_s3 else "not timed (moto is too slow for a full publish this big)"
    run.add(
        Figure(
            f"snapshot republish after a burst of {sent.ok:,} results (directory)",
            again.seconds,
            "s",
            f"{again.files:,} totals files changed; to S3 (moto server on loopback): {s3_took}",
            baseline=full.seconds,
            baseline_name=f"full publish, {full.files:,} files",
        )
    )
    s3_took = f"{full_s3.seconds:.2f} s to S3 (moto)" if full_s3 else "S3 not timed"
    run.note(f"full publish: {full.files:,} files in {full.seconds:.2f} s to a directory; {s3_took}")


def _parts_of(output: str) -> str:
    """What `rekap rebuild` said of its parts: how many, and each one's peak memory."""
    said = [line for line in output.splitlines() if line.startswith("folded in")]
    return f"; {said[-1]}" if said else ""


def every_tps_reported(run: Run, db_url: str, data_dir: Path) -> tuple[list[int], int]:
    """The TPS not reported yet logged in-process, in batches: the candidates' numbers and the log's length. Once
    a run: the rebuild leaves the log as it found it, and reading 823k TPS's state again would take a minute."""
    if run.counted is not None:
        return run.counted
    rekap = loader.open_db(db_url, data_dir)
    try:
        done = loader.reported(rekap.writer.state)
        rest = [b for b in ingest.read_bodies(run.results) if b[8 : b.index(b'"', 8)].decode() not in done]
        if rest:
            rate = loader.preload_results(rekap, rest, say=run.say)
            run.note(f"logged the {len(rest):,} TPS not yet reported in-process, 2,000 a transaction: {rate:,.0f}/s")
        numbers = [c.number for c in rekap.writer.state.contests[run.manifest.contest].candidates]
        run.counted = (numbers, rekap.writer.state.seq)
        return run.counted
    finally:
        rekap.close()


def rebuild_phase(run: Run, db_url: str, data_dir: Path) -> None:
    """Every TPS reported, then `rekap rebuild` timed and measured."""
    numbers, entries = every_tps_reported(run, db_url, data_dir)
    before = rebuild.totals_table(db_url)
    ran = rebuild.run_rekap(["rebuild"], db_url, data_dir)
    if ran.returncode != 0:
        raise SystemExit(f"rekap rebuild failed:\n{ran.output[-3000:]}")
    if rebuild.totals_table(db_url) != before:
        raise SystemExit("the totals rebuilt from the log differ from the live ones")
    seconds, rows = rebuild.group_by_baseline(db_url, numbers)
    n = rebuild.accepted_count(db_url)
    run.add(
        Figure(
            f"rebuild all totals from the log ({n:,} TPS results, {entries:,} log entries)",
            ran.seconds,
            "s",
            f"`rekap rebuild` in its own process, peak RSS {ran.peak_rss_mb:,.0f} MB"
            f"{_parts_of(ran.output)}; rebuilt totals == live ({len(before):,} rows)",
            target="≤ 10 s, ≤ 1 GB peak RSS, at 823k TPS",
            met=(ran.seconds <= 10 and ran.peak_rss_mb <= 1024) if n >= 800_000 else None,
            baseline=seconds,
            baseline_name=f"one GROUP BY ROLLUP over accepted ({rows:,} rows)",
        )
    )
    check_verify(run, db_url, data_dir, "rebuild")


def sqlite_phase(run: Run) -> None:
    a = run.args
    data_dir = Path(tempfile.mkdtemp(prefix="rekap-bench-sqlite-"))
    db_url = f"sqlite:///{data_dir / 'rekap.sqlite3'}"
    try:
        body = ingest.read_bodies(run.results, 0, 1)[0]
        baseline = sqlite_bench.insert_baseline(data_dir / "baseline.sqlite3", body, min(10.0, a.duration))
        rekap = loader.open_db(db_url, data_dir)
        tokens = loader.load_election(rekap, run.gen, a.concurrency, run.say)
        rekap.close()
        used, run.used = run.used, 0
        t0 = time.monotonic()
        with serving(db_url, data_dir, 1) as srv:
            out, cpu = _ingest(run, srv, tokens, False, a.duration, "sqlite")
        run.used = used
        failed = sum(n for s, n in out.load.statuses.items() if s >= 400) + sum(out.load.errors.values())
        check = sqlite_bench.integrity(data_dir / "rekap.sqlite3")
        run.add(
            Figure(
                "ingest over HTTP on SQLite (1 worker)",
                out.load.rate,
                "results/s",
                f"{out.load.summary()}; PRAGMA integrity_check: {check}; server stopped cleanly after "
                f"{time.monotonic() - t0:.0f} s; {cpu.text()}; {cpu.per_request(out.load.rate)}",
                target="no corruption, no deadlock",
                met=check == "ok" and failed == 0,
                baseline=baseline,
                baseline_name="single-row INSERT+COMMIT (sqlite3, WAL, synchronous=FULL)",
            )
        )
        check_verify(run, db_url, data_dir, "the SQLite ingest")
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
