"""Strava sync benchmark: runs per second end to end, and where the time goes.

Seeds strava-sim with 500 athletes x 200 activities (100,000; its limits lifted), starts the
tokendealer, the dataservice on a throw-away PostgreSQL database, a private redis-server
and Celery worker processes, links a new runner to each athlete, then times the sync of
every runner from scratch: from enqueueing ``sync_runner`` for each to every link back to
``idle``, checking that the dataservice then holds exactly each athlete's running activities.
The baseline, in the same run, is the same sync with each run POSTed on its own (on fewer
runners: it is slow).  Probes in the worker and the services split the time into HTTP,
JSON, mapping and database; /proc gives the CPU of each process.  Then what the sync costs
in Strava requests (issue 15), on the same runners: an incremental round (every runner once,
nothing due to reconcile: the baseline) and a reconciliation round after late uploads, silent
edits and deletions made on strava-sim without events; requests per runner, the
reconciliation's extra cost per runner per day and the runners one application can serve at
Strava's default limits.  Exits 1 when a batched round is below 2,000 runs/s, a sync did not
end with exactly the right runs, the reconciliation got the changes wrong or its extra cost
per runner is above 1 request + the deletions it checked.
Run: .venv/bin/python -m benchmarks.sync [--quick] [--json] [--help]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import signal
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

import psycopg

from benchmarks.common.machine import busy_cpus, revision
from benchmarks.common.output import finish
from benchmarks.common.repo import invocation
from benchmarks.dataservice.data import libpq_url
from benchmarks.sync.measure import breakdown, timed_sync
from benchmarks.sync.report import progress, report, targets
from benchmarks.sync.request_rounds import KINDS, check_changes, cost, make_changes, request_round
from benchmarks.sync.stack import (
    Stack,
    forget_sync,
    link_runners,
    running_activities,
    running_stack,
)
from runnerly_common.testing import POSTGRES_URL, temporary_postgres_database
from runnerly_common.testing.redis import server_version

FULL = {"runners": 500, "baseline_runners": 25, "rounds": 2}
QUICK = {"runners": 50, "baseline_runners": 5, "rounds": 1}
# The reconciliation round's worker: every sync is due to reconcile (a second after the last).
RECONCILE_NOW = {"STRAVA_WORKER_RECONCILE_INTERVAL": "1"}


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
    """Link the runners, then the rounds: batched at each concurrency, the baseline, then
    the Strava requests of an incremental sync and of a reconciliation."""
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
    results["requests"] = measure_requests(args, stack, {a: runners[a] for a in athletes})
    return results


def measure_requests(
    args: argparse.Namespace, stack: Stack, runners: dict[int, int]
) -> dict[str, Any]:
    """The Strava requests of an incremental round and of a reconciliation round after
    changes made on strava-sim without events, on the backfilled ``runners``."""
    concurrency = args.concurrency[0]
    rounds = []
    incremental = request_round(
        stack, runners, name="incremental", concurrency=concurrency, timeout=args.timeout
    )
    rounds.append(incremental)
    progress(
        f"incremental: {incremental['strava_requests']:,} Strava requests for "
        f"{incremental['runners']} runners = {incremental['per_runner']:.2f} per runner"
    )
    changes = make_changes(stack, runners, args.changes, args.seed)
    progress(
        "changed on strava-sim without events: "
        + ", ".join(f"{changes[k]} {k.replace('_', ' ')}" for k in KINDS)
    )
    reconciliation = request_round(
        stack,
        runners,
        name="reconciliation",
        concurrency=concurrency,
        timeout=args.timeout,
        env=RECONCILE_NOW,
    )
    rounds.append(reconciliation)
    right, wrong = check_changes(stack, runners, changes)
    reconciliation["changes_right"] = right
    reconciliation["problems"] += wrong
    if reconciliation["reconciled"] < reconciliation["runners"]:
        reconciliation["problems"].append(
            f"only {reconciliation['reconciled']} of {reconciliation['runners']} syncs reconciled"
        )
    if incremental["reconciled"]:
        incremental["problems"].append(
            f"{incremental['reconciled']} syncs reconciled although the backfill had just "
            "reconciled them (reconciled_at not kept?)"
        )
    progress(
        f"reconciliation: {reconciliation['strava_requests']:,} Strava requests = "
        f"{reconciliation['per_runner']:.2f} per runner"
        + (f" ({len(reconciliation['problems'])} PROBLEMS)" if reconciliation["problems"] else "")
    )
    changes.pop("details")
    return {"rounds": rounds, "changes": changes, **cost(incremental, reconciliation, changes)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.sync", description=__doc__.split("\n\n")[0]
    )
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
    add(
        "--seed",
        type=int,
        default=1,
        help="random seed of the runners' profiles and of the changes (%(default)s)",
    )
    add(
        "--changes",
        type=float,
        default=0.1,
        help="share of the runners given each change before the reconciliation round: a "
        "late upload, a silent edit, a deletion (%(default)s)",
    )
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
    if not 0 < args.changes <= 1 / 3:  # one change a runner
        parser.error("--changes must be above 0 and at most 0.33")
    for name, value in (QUICK if args.quick else FULL).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    command = invocation()
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
    return finish(results, args.json, report, targets)


if __name__ == "__main__":
    sys.exit(main())
