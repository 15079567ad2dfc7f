"""`python -m bench.run`: every national-scale benchmark in one bounded run, written to BENCHMARKS.md.

A synthetic election (`rekap gen national`) goes into a throw-away PostgreSQL database through rekap's own
services; the server runs as its own Uvicorn process; load comes from other processes on loopback. Each
figure is printed with the baseline measured in the same run, and every phase ends by checking that the
totals rebuilt from the log equal the live ones.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

from bench import loader, report
from bench.pg import throwaway_db
from bench.phases import OUT, Run, http_phases, rebuild_phase, sqlite_phase
from bench.restart import restart_phase
from bench.server import REPO
from rekap.gen import national

PHASES = ("ingest", "reads", "flood", "profile", "publish", "rebuild", "restart", "sqlite")
HTTP = {"ingest", "reads", "flood", "profile", "publish"}


def generated(scale: float, seed: int) -> tuple[Path, national.Manifest]:
    """The generated election, cached in bench/out/ (the same seed and scale give the same files)."""
    out = OUT / f"national-{scale:g}-{seed}"
    if (out / national.MANIFEST_FILE).exists():
        return out, national.read_manifest(out)
    t0 = time.monotonic()
    m = national.generate_national(out, scale, seed)
    print(f"generated {m.tps:,} TPS, {m.dpt:,} voters at scale {scale:g} in {time.monotonic() - t0:.1f} s")
    return out, m


def render(run: Run, started: float) -> list[str]:
    a, m = run.args, run.manifest
    only = f" --only {','.join(a.only)}" if set(a.only) != set(PHASES) else ""
    lines = [
        f"## Scale {a.scale:g}: `python -m bench.run --scale {a.scale:g} --duration {a.duration:g} "
        f"--workers {a.workers}{only}`",
        "",
        *report.machine(),
        f"- election: {m.tps:,} TPS, {m.dpt:,} voters, {m.regions:,} regions (seed {m.seed}); server: "
        f"{a.workers} Uvicorn worker(s); {a.concurrency} ingest connections; {a.duration:g} s per phase; "
        f"whole run {time.monotonic() - started:.0f} s",
        "",
        *report.table(run.figures),
        "",
        "Details (percentiles are of every request; cores are averages over the phase):",
        "",
        *[f"{i}. {f.detail}" for i, f in enumerate(run.figures, start=1)],
        "",
        "Notes of this run:",
        *[f"- {n}" for n in run.notes],
    ]
    for name, hot in run.hotspots.items():
        if not hot.samples:
            continue
        lines += ["", f"Profile of {name}: py-spy --gil, {hot.samples:,} samples of the server (share of samples):", ""]
        lines += ["| on the stack (inclusive) | % | on top (own time) | % |", "|---|---|---|---|"]
        for (fi, pi), (fo, po) in zip(hot.inclusive, hot.own, strict=False):
            lines.append(f"| `{fi}` | {pi:.1f} | `{fo}` | {po:.1f} |")
    return lines


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=(__doc__ or "").split("\n")[0])
    p.add_argument("--scale", type=float, default=0.05, help="fraction of Indonesia (1.0 = 823,236 TPS)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--duration", type=float, default=20.0, help="seconds of load per phase")
    p.add_argument("--workers", type=int, default=2, help="Uvicorn workers of the PostgreSQL server")
    p.add_argument("--concurrency", type=int, default=32, help="ingest connections")
    p.add_argument("--burst", type=int, default=2000, help="results sent between two snapshot publishes")
    p.add_argument("--only", type=lambda s: s.split(","), default=list(PHASES), help=",".join(PHASES))
    p.add_argument("--events-path", default="/api/v1/events", help="the SSE stream freshness listens to")
    p.add_argument("--section", default="", help="BENCHMARKS.md section to rewrite (default: one per scale)")
    p.add_argument("--report", type=Path, default=REPO / "BENCHMARKS.md")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    a = parse(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a killed run still drops its databases
    started = time.monotonic()
    gen, m = generated(a.scale, a.seed)
    run = Run(a, gen, m)
    if HTTP & set(a.only) or {"rebuild", "restart"} & set(a.only):
        with throwaway_db("pg") as db_url:
            data_dir = Path(tempfile.mkdtemp(prefix="rekap-bench-pg-"))
            try:
                rekap = loader.open_db(db_url, data_dir)
                tokens = loader.load_election(rekap, gen, a.concurrency, run.say)
                rekap.close()
                if HTTP & set(a.only):
                    http_phases(run, db_url, data_dir, tokens)
                if "rebuild" in a.only:
                    rebuild_phase(run, db_url, data_dir)
                if "restart" in a.only:
                    restart_phase(run, db_url, data_dir)
            finally:
                shutil.rmtree(data_dir, ignore_errors=True)
    if "sqlite" in a.only:
        sqlite_phase(run)
    section = a.section or f"scale-{a.scale:g}"
    report.write_section(a.report, section, render(run, started))
    with (OUT / f"{section}.json").open("w", encoding="utf-8") as f:
        json.dump([fig.__dict__ for fig in run.figures], f, indent=1, default=str)
    run.say(f"wrote section {section!r} of {a.report} in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
