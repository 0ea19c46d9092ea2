"""Strava sync benchmark: runs per second end to end, and where the time goes.

Seeds strava-sim with 500 athletes x 200 activities (100,000; its limits lifted), starts the
tokendealer, the dataservice on a throw-away PostgreSQL database, a private redis-server
and Celery worker processes, links a new runner to each athlete, then times the sync of
every runner from scratch: from enqueueing ``sync_runner`` for each to every link back to
``idle``, checking that the dataservice then holds exactly each athlete's running activities.
The baseline, in the same run, is the same sync with each run POSTed on its own (on fewer
runners: it is slow).  Probes in the worker and the services split the time into HTTP,
JSON, mapping and database; /proc gives the CPU of each process.  Exits 1 when a batched
round is below 2,000 runs/s or a sync did not end with exactly the right runs.
Run: .venv/bin/python benchmarks/sync.py [--quick] [--json] [--help]
"""
# ruff: noqa: E402 - the imports follow the sys.path fix below

from __future__ import annotations

import sys
from pathlib import Path

# benchmarks/dataservice.py would shadow the dataservice package: this folder goes last.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE] + [str(HERE)]

import argparse
import json
import os
import platform
import shlex
import shutil
import signal
import tempfile
import time
from importlib.metadata import version
from typing import Any

import psycopg
from _machine import busy_cpus, revision
from _redis import server_version
from _sync_measure import breakdown, timed_sync
from _sync_report import progress, report, targets
from _sync_stack import (
    Stack,
    forget_sync,
    link_runners,
    running_activities,
    running_stack,
)
from dataservice_data import libpq_url

from runnerly_common.testing import POSTGRES_URL, temporary_postgres_database

FULL = {"runners": 500, "baseline_runners": 25, "rounds": 2}
QUICK = {"runners": 50, "baseline_runners": 5, "rounds": 1}


def machine() -> dict[str, Any]:
    cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines()
    cpu = next(
        (line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")),
        platform.processor(),
    )
    with psycopg.connect(libpq_url(POSTGRES_URL)) as conn:
        postgresql = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30),
        "os": platform.platform(),
        "python": platform.python_version(),
        "postgresql": postgresql,
        "redis": server_version(),
        **{name: version(name) for name in ("celery", "gunicorn", "SQLAlchemy", "psycopg")},
        "revision": revision(),
        "busy_cpus_before": busy_cpus(),
    }


def measure(args: argparse.Namespace, stack: Stack) -> dict[str, Any]:
    """Link the runners, then the rounds: batched at each concurrency, then the baseline."""
    athletes = list(range(1, args.runners + 1))
    baseline = list(range(args.runners + 1, args.runners + args.baseline_runners + 1))
    started = time.perf_counter()
    runners = link_runners(stack, athletes + baseline, args.seed)
    linking_s = time.perf_counter() - started
    expected = running_activities(stack, athletes + baseline)
    setup = {
        "athletes": len(athletes) + len(baseline),
        "per_athlete": args.activities,
        "activities": stack.seeding["activities"],
        "seeding_s": stack.seeding["seconds"],
        "runners": len(runners),
        "linking_s": linking_s,
        "running": sum(expected[a] for a in athletes),
        "running_baseline": sum(expected[a] for a in baseline),
        "baseline_runners": len(baseline),
    }
    progress(
        f"seeded {setup['activities']:,} activities in {setup['seeding_s']:.1f} s, linked "
        f"{setup['runners']} runners in {linking_s:.1f} s"
    )
    rounds: list[dict[str, Any]] = []

    def sync_round(name: str, athletes: list[int], concurrency: int, **how: bool) -> None:
        result = timed_sync(
            stack,
            {a: runners[a] for a in athletes},
            expected,
            concurrency=concurrency,
            row_by_row=how.get("row_by_row", False),
            name=name,
            timeout=args.timeout,
            profile=how.get("profile", False),
        )
        result["breakdown"] = breakdown(stack.probe_dir, result)
        rounds.append(result)
        progress(
            f"{name}: {concurrency} worker processes, {result['runs']:,} runs in "
            f"{result['all_synced_s']:.2f} s = {result['runs_per_s']:,.0f} runs/s"
            + (" (under py-spy: not a measurement)" if result["profiled"] else "")
            + (f" ({len(result['problems'])} PROBLEMS)" if result["problems"] else "")
        )

    main_ids = [runners[a] for a in athletes]
    plan = [c for c in args.concurrency for _ in range(args.rounds)]
    for number, concurrency in enumerate(plan, start=1):
        if number > 1:
            forget_sync(stack.database_url, main_ids)
        sync_round(f"batched-{number}", athletes, concurrency)
    if args.profile:
        forget_sync(stack.database_url, main_ids)
        sync_round("profiled", athletes, args.concurrency[0], profile=True)
    results: dict[str, Any] = {"setup": setup, "rounds": rounds}
    if baseline:
        concurrency = args.baseline_concurrency or args.concurrency[0]
        sync_round("row-by-row", baseline, concurrency, row_by_row=True)
        result = rounds[-1]
        same = [
            r["runs_per_s"]
            for r in rounds
            if not r["row_by_row"] and not r["profiled"] and r["concurrency"] == concurrency
        ]
        if same:
            batched = sum(same) / len(same)
            results["ratio"] = {
                "batched": batched,
                "row_by_row": result["runs_per_s"],
                "ratio": batched / result["runs_per_s"],
                "runners": len(baseline),
                "concurrency": concurrency,
            }
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    full = {name: f"(default {value:,}; --quick: {QUICK[name]:,})" for name, value in FULL.items()}
    add("--runners", type=int, help=f"runners synced, one athlete each {full['runners']}")
    add(
        "--activities",
        type=int,
        default=200,
        help="activities per athlete, over one year: at most 730 (%(default)s)",
    )
    add(
        "--baseline-runners",
        type=int,
        help=f"runners synced row by row, 0 to skip {full['baseline_runners']}",
    )
    add("--rounds", type=int, help=f"batched rounds per concurrency {full['rounds']}")
    add(
        "--concurrency",
        type=int,
        nargs="+",
        default=[4],
        help="Celery worker processes (prefork), one set of rounds each (%(default)s)",
    )
    add("--baseline-concurrency", type=int, help="worker processes of the baseline (the first)")
    add("--dataservice-workers", type=int, default=2, help="its gunicorn workers (%(default)s)")
    add("--sim-workers", type=int, default=2, help="strava-sim's gunicorn workers (%(default)s)")
    add("--timeout", type=float, default=600, help="seconds a round may take (%(default)s)")
    add("--seed", type=int, default=1, help="random seed of the runners' profiles (%(default)s)")
    add(
        "--profile",
        action="store_true",
        help="one more batched round under py-spy: the CPU of each process by library",
    )
    add("--keep", action="store_true", help="keep the temporary folder (logs, probes)")
    add("--quick", action="store_true", help="a small smoke run (the --quick sizes above)")
    add("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    if not 1 <= args.activities <= 730:  # strava-sim: at most two a day
        parser.error("--activities must be between 1 and 730")
    for name, value in (QUICK if args.quick else FULL).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    command = shlex.join([sys.executable, *sys.argv])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the services, drop the DB
    results: dict[str, Any] = {"machine": machine(), "command": command}
    results["parameters"] = {k: v for k, v in vars(args).items() if k != "json"}
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    try:
        with (
            temporary_postgres_database("bench_sync") as url,
            running_stack(
                work,
                url,
                athletes=args.runners + args.baseline_runners,
                per_athlete=args.activities,
                dataservice_workers=args.dataservice_workers,
                sim_workers=args.sim_workers,
            ) as stack,
        ):
            results |= measure(args, stack)
        results["service_errors"] = stack.log_errors  # read when the services have stopped
    finally:
        if args.keep:
            progress(f"logs and probes kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    results["wall_s"] = time.perf_counter() - started
    if args.json:
        print(json.dumps(results, indent=2, default=str))
    else:
        report(results)
    failed = targets(results)
    for name in failed:
        print(f"FAIL: {name}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
