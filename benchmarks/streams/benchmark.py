"""Streams backfill benchmark: what fetching every run's activity streams costs in Strava
requests, and how long years of history take at Strava's default limits.

Starts the sync benchmark's stack (benchmarks/sync/stack.py: tokendealer, the dataservice
on a throw-away PostgreSQL database, strava-sim with its limits lifted, Celery workers),
links a runner to each athlete, syncs them; each completed sync sends the streams task
(strava_worker.streams), which fetches every run's streams, newest first.  Measures, from
strava-sim's own log, the metered requests by route: summaries (the listing) and streams
(``/activities/{id}/streams``), and checks that every run then has its streams, its best
efforts from them (``origin`` stream or pace) and its records consistent.  Exits 1 when the
streams cost more than one request a run, a run lacks its streams, or records contradict
each other.
Run: .venv/bin/python -m benchmarks.streams [--runners N] [--activities N] [--json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import psycopg
from celery import Celery

from benchmarks.common.repo import invocation
from benchmarks.dataservice.data import libpq_url
from benchmarks.sync.probe import read_lines
from benchmarks.sync.stack import link_runners, running_stack, workers
from runnerly_common.tasks import SYNC_RUNNER
from runnerly_common.testing import temporary_postgres_database

STREAMS_ROUTE = "/api/v3/activities/{n}/streams"  # as benchmarks.sync.probe.route_of writes it
DAILY_LIMIT, SHARE = 1000, 0.40  # Strava's default daily read limit; STREAMS_BUDGET_PERCENT


def _progress(conn: psycopg.Connection[Any], ids: list[int]) -> tuple[int, int]:
    """(the runners' Strava runs, those whose streams were fetched)."""
    return conn.execute(
        "SELECT count(r.id), count(s.run_id) FROM runs r "
        "LEFT JOIN run_streams s ON s.run_id = r.id "
        "WHERE r.runner_id = ANY(%s) AND r.source = 'strava'",
        (ids,),
    ).fetchone()


def _contradictions(conn: psycopg.Connection[Any], ids: list[int]) -> int:
    """Record pairs (per runner) where a shorter record is slower per km than a longer."""
    return conn.execute(
        "WITH rec AS (SELECT runner_id, distance, min(elapsed) AS e FROM best_efforts "
        "WHERE runner_id = ANY(%s) GROUP BY runner_id, distance) "
        "SELECT count(*) FROM rec a JOIN rec b ON a.runner_id = b.runner_id "
        "AND a.distance < b.distance AND a.e / a.distance > b.e / b.distance * (1 + 1e-9)",
        (ids,),
    ).fetchone()[0]


def measure(args: argparse.Namespace, stack: Any) -> dict[str, Any]:
    runners = link_runners(stack, list(range(1, args.runners + 1)), args.seed)
    ids = list(runners.values())
    started = time.time()
    with (
        workers(stack, args.concurrency, row_by_row=False, name="streams") as worker,
        psycopg.connect(libpq_url(stack.database_url), autocommit=True) as conn,
    ):
        client = Celery(broker=stack.broker_url)
        for runner_id in ids:
            SYNC_RUNNER.send(client, {"user_id": runner_id})
        while True:
            runs, fetched = _progress(conn, ids)
            if (runs and fetched == runs) or time.time() - started > args.timeout:
                break
            if worker.errors_in_log():
                break
            time.sleep(1)
        ended = time.time()
        client.close()
        origins = dict(
            conn.execute(
                "SELECT origin, count(*) FROM best_efforts WHERE runner_id = ANY(%s) "
                "GROUP BY origin",
                (ids,),
            ).fetchall()
        )
        with_stream = conn.execute(
            "SELECT count(*) FROM run_streams s JOIN runs r ON r.id = s.run_id "
            "WHERE r.runner_id = ANY(%s) AND s.data IS NOT NULL",
            (ids,),
        ).fetchone()[0]
        stored_bytes = conn.execute(
            "SELECT coalesce(sum(length(data)), 0) FROM run_streams s JOIN runs r "
            "ON r.id = s.run_id WHERE r.runner_id = ANY(%s)",
            (ids,),
        ).fetchone()[0]
        contradictions = _contradictions(conn, ids)
        errors = worker.errors_in_log()
    requests: Counter[str] = Counter()
    for line in read_lines(stack.probe_dir, "strava-sim"):
        route = line["route"].split(" ", 1)[-1]
        if started <= line["end"] <= ended and route.startswith("/api/v3/"):
            requests[route] += 1
    streams = requests[STREAMS_ROUTE]
    return {
        "runners": len(ids),
        "runs": runs,
        "fetched": fetched,
        "with_stream": with_stream,
        "requests": dict(requests),
        "streams_requests": streams,
        "summary_requests": sum(requests.values()) - streams,
        "streams_requests_per_run": round(streams / runs, 3) if runs else None,
        "bytes_per_run": round(stored_bytes / max(with_stream, 1)),
        "efforts_by_origin": origins,
        "record_contradictions": contradictions,
        "seconds": round(ended - started, 1),
        # One application's streams share a day: how many runs' streams a day brings in.
        "runs_a_day_at_default_limits": int(DAILY_LIMIT * SHARE),
        "worker_errors": errors[:10],
    }


def targets(results: dict[str, Any]) -> list[str]:
    failed = []
    if results["fetched"] != results["runs"] or not results["runs"]:
        failed.append("every run's streams fetched")
    if results["streams_requests_per_run"] is None or results["streams_requests_per_run"] > 1.0:
        failed.append("one Strava request per run at most")
    if results["record_contradictions"]:
        failed.append("records agree (no shorter one slower per km)")
    if results["worker_errors"]:
        failed.append("no worker errors")
    return failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.streams", description=__doc__.split("\n\n")[0]
    )
    add = parser.add_argument
    add("--runners", type=int, default=5, help="runners, one athlete each (%(default)s)")
    add("--activities", type=int, default=200, help="activities per athlete (%(default)s)")
    add("--concurrency", type=int, default=2, help="Celery worker processes (%(default)s)")
    add("--timeout", type=float, default=900, help="seconds the backfill may take (%(default)s)")
    add("--seed", type=int, default=1, help="random seed of the runners (%(default)s)")
    add("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    results: dict[str, Any] = {"command": invocation()}
    work = Path(tempfile.mkdtemp(prefix="bench-streams-"))
    try:
        with (
            temporary_postgres_database("bench_streams") as url,
            running_stack(
                work,
                url,
                athletes=args.runners,
                per_athlete=args.activities,
                dataservice_workers=2,
                sim_workers=2,
            ) as stack,
        ):
            results |= measure(args, stack)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    failed = targets(results)
    if args.json:
        print(json.dumps(results, indent=2, default=str))
    else:
        for key, value in results.items():
            print(f"{key}: {value}")
        per_run = results.get("streams_requests_per_run")
        print(
            f"\nstreams backfill: {per_run} Strava request(s) per run; at Strava's default "
            f"limits ({DAILY_LIMIT}/day, {SHARE:.0%} for streams) about "
            f"{results['runs_a_day_at_default_limits']} runs' streams a day per application"
        )
    for name in failed:
        print(f"FAIL: {name}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
