"""DataService benchmarks on PostgreSQL: month query and stats latency, bulk upsert throughput.

Loads 1,000 runners x 1,000 runs (3 years each, with best efforts) with COPY into a throw-away
PostgreSQL database, then measures p50/p95/p99 of the month query and of the stats (totals
per week, month and year, personal records, summary) at the DB layer and over HTTP against a
live ``dataservice serve`` (gunicorn, 2 workers), EXPLAINs the queries, and times the bulk
upsert against row-by-row ORM inserts of the same rows.  Exits 1, naming it, when a target
fails: month p99 <= 10 ms, stats p99 <= 25 ms (DB layer), bulk upsert >= 20,000 runs/s.
``--writes-only`` measures the bulk writes alone (no data set, queries or HTTP), for their
figures in minutes on a busy machine.
Run: .venv/bin/python -m benchmarks.dataservice [--quick] [--writes-only] [--json]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.orm import Session

from benchmarks.common.machine import revision
from benchmarks.common.repo import invocation
from benchmarks.common.tokens import Tokens
from benchmarks.dataservice.cli import (
    FULL,
    QUICK,
    failed_targets,
    run_main,
)
from benchmarks.dataservice.data import (
    LoadReport,
    history_window,
    insert_users,
    libpq_url,
    load_history,
    loaded_runner_ids,
    polyline_pool,
    run_history,
    runner_profile,
    table_sizes,
)
from benchmarks.dataservice.measure import (
    QUERIES,
    Items,
    Sample,
    explain,
    measure_bulk_writes,
    measure_endpoint,
    measure_endpoint_throughput,
    measure_http_batches,
    measure_service_function,
    typical_sample,
    uses_index,
)
from benchmarks.dataservice.report import (
    print_load,
    progress,
    report,
    report_writes,
    targets,
)
from benchmarks.dataservice.server import served_dataservice
from dataservice.database import open_database
from dataservice.migrate import upgrade
from dataservice.models import import_all_models
from dataservice.stats import kept_records
from runnerly_common.db import Database
from runnerly_common.testing import new_key

BULK_EMAIL_DOMAIN = "bulk.bench.invalid"


def machine(url: str) -> dict[str, Any]:
    cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines()
    cpu = next(
        (line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")),
        platform.processor(),
    )
    with psycopg.connect(libpq_url(url)) as conn:
        pg = {
            name: conn.execute(f"SHOW {name}").fetchone()[0]  # type: ignore[index]
            for name in ("server_version", "shared_buffers", "work_mem", "effective_cache_size")
        }
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30),
        "os": platform.platform(),
        "python": platform.python_version(),
        "postgresql": pg,
        **{name: version(name) for name in ("SQLAlchemy", "psycopg", "gunicorn", "Flask")},
        "revision": revision(),
        "loadavg_1m_before": os.getloadavg()[0],
    }


def new_runners(url: str, tag: str, count: int, size: int, seed: int) -> list[tuple[int, Items]]:
    """``count`` runners nobody has seen, each with a history of ``size`` runs: one batch."""
    first_day, days = history_window()
    pool = polyline_pool(seed)
    with psycopg.connect(libpq_url(url)) as conn:
        emails = [f"{tag}-{uuid.uuid4().hex[:8]}-{i}@{BULK_EMAIL_DOMAIN}" for i in range(count)]
        ids = insert_users(conn, emails, seed)
    return [
        (
            runner_id,
            list(run_history(runner_profile(100_000 + i, seed), size, first_day, days, pool, seed)),
        )
        for i, runner_id in enumerate(ids)
    ]


def remove_bulk_runners(url: str) -> None:
    with psycopg.connect(libpq_url(url)) as conn:
        conn.execute("DELETE FROM users WHERE email_key LIKE %s", (f"%@{BULK_EMAIL_DOMAIN}",))


def new_results(args: argparse.Namespace, url: str) -> dict[str, Any]:
    """A run's results as they start: the machine, the command and its parameters."""
    results: dict[str, Any] = {"machine": machine(url), "command": args.command}
    results["parameters"] = {k: v for k, v in vars(args).items() if k not in {"command", "json"}}
    return results


def loaded_samples(args: argparse.Namespace, url: str) -> list[Sample]:
    """The data set, loaded or found, and ``--samples`` random runner-days of it."""
    ids, load = prepare_data(args, url)
    print_load(load)
    rng = random.Random(args.seed)
    return random_samples(ids, args.samples, rng.randrange(1 << 30))


def prepare_data(args: argparse.Namespace, url: str) -> tuple[list[int], LoadReport]:
    """The schema, and the loaded runners' ids: loaded now, or found from an earlier run."""
    upgrade(url)
    import_all_models()  # the ORM resolves runs' foreign keys to users
    ids = loaded_runner_ids(url, args.runners, args.runs_per_runner)
    if ids is not None:
        load = LoadReport(args.runners, args.runners * args.runs_per_runner, 0, 0, 0, True)
    else:
        load = load_history(url, args.runners, args.runs_per_runner, args.seed)
        ids = loaded_runner_ids(url, args.runners, args.runs_per_runner)
        assert ids is not None
    load.panels, load.panels_s = store_panels(url)
    return ids, load


def store_panels(url: str) -> tuple[int, float]:
    """Store the records panel of every loaded runner that has none, as the service keeps
    them on write (COPY wrote the runs behind its back, as a restore would); how many, and
    the seconds it took (``dataservice refresh-records --missing`` does the same)."""
    return store_missing(url, kept_records.missing, kept_records.store)


def store_missing(
    url: str,
    missing: Callable[[Session], Iterable[int]],
    store: Callable[[Database, Iterable[int]], int],
) -> tuple[int, float]:
    """Store what one of the service's kept answers lacks for the runners ``missing`` names
    (``dataservice migrate`` does the same); how many runners, and the seconds it took."""
    database = open_database(url)
    started = time.perf_counter()
    try:
        with database.sessionmaker() as session:
            runners = list(missing(session))
        stored = store(database, runners)
    finally:
        database.dispose()
    return stored, time.perf_counter() - started


def random_samples(ids: list[int], count: int, seed: int) -> list[Sample]:
    """A random loaded runner and a random day of the history, ``count`` times."""
    rng = random.Random(seed)
    first_day, days = history_window()
    return [
        Sample(rng.choice(ids), (first_day + timedelta(days=rng.randrange(days))).date())
        for _ in range(count)
    ]


def measure_db_layer(args: argparse.Namespace, url: str, samples: list[Sample]) -> dict[str, Any]:
    """Latency of each service function, their EXPLAIN, and the bulk writes."""
    # The service's engine settings (a pool, pre-ping on checkout), and what it keeps derived
    # from runs refreshed at each commit: the bulk writes pay for their records panel.
    database = open_database(url)
    try:
        latency = {}
        for query in QUERIES:
            latency[query.key] = measure_service_function(database, query, samples, args.warmup)
            progress(f"DB layer, {query.label}", latency[query.key])
        typical = typical_sample(database, samples)
        plans = {query.key: explain(database, query, typical) for query in QUERIES}
        writes = measure_writes(args, url, database)
    finally:
        database.dispose()
    return {
        "db": latency,
        "explain": plans,
        "month_uses_index": uses_index(plans["month"][0]["plan"], "ix_runs_runner_local"),
        "bulk": writes,
    }


def measure_writes(args: argparse.Namespace, url: str, database: Database) -> dict[str, Any]:
    """``--bulk-runs`` new runs through the bulk upsert against ``--baseline-runs`` row by
    row, in batches of ``--batch-size``, each batch a new runner's history."""
    size = args.batch_size
    bulk = new_runners(url, "bulk", args.bulk_runs // size, size, args.seed)
    baseline = new_runners(url, "rows", args.baseline_runs // size, size, args.seed)
    return measure_bulk_writes(database, bulk, baseline)


def run_writes_only(args: argparse.Namespace, url: str, kept: bool) -> dict[str, Any]:
    """The bulk writes at the DB layer alone, on the schema as migrated: the data set's
    load, the queries and the HTTP server are what take a full run's minutes."""
    results = new_results(args, url)
    upgrade(url)
    import_all_models()  # the ORM resolves runs' foreign keys to users
    database = open_database(url)
    try:
        results["bulk"] = measure_writes(args, url, database)
    finally:
        database.dispose()
    if kept:
        remove_bulk_runners(url)
    results["targets"] = targets(results)
    return results


def measure_over_http(args: argparse.Namespace, url: str, samples: list[Sample]) -> dict[str, Any]:
    """The same queries as endpoints of a live ``dataservice serve``, and batch POSTs."""
    tokens = Tokens(new_key("ES256", "bench-dataservice"))
    for sample in samples:
        tokens.runner(sample.runner_id)
    results: dict[str, Any] = {"http": {}}
    with served_dataservice(url, tokens.key, args.workers) as service:
        base_url = service.url
        for query in QUERIES:
            results["http"][query.key] = measure_endpoint(
                base_url, query, samples, tokens.runner, args.warmup
            )
            progress(f"HTTP, {query.label}", results["http"][query.key])
        if args.http_duration > 0:
            results["http_throughput"] = measure_endpoint_throughput(
                base_url, QUERIES[0], samples, tokens.runner, args.http_threads, args.http_duration
            )
        batches = new_runners(url, "http", args.http_batches, args.batch_size, args.seed)
        results["http_batches"] = measure_http_batches(base_url, batches, tokens.worker())
    return results


def run(args: argparse.Namespace, url: str, kept: bool) -> dict[str, Any]:
    results = new_results(args, url)
    ids, load = prepare_data(args, url)
    results["load"] = {**vars(load), "total_s": load.total_s, "bytes": table_sizes(url)}
    print_load(load)
    samples = random_samples(ids, args.samples, args.seed)
    results |= measure_db_layer(args, url, samples)
    results |= measure_over_http(args, url, samples)
    results["bulk"] |= results.pop("http_batches")
    if kept:
        remove_bulk_runners(url)
    results["targets"] = targets(results)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.dataservice", description=__doc__.split("\n\n")[0]
    )
    add = parser.add_argument
    full = {
        name: f"(default {value:,g}; --quick: {QUICK[name]:,g})" for name, value in FULL.items()
    }
    add("--runners", type=int, help=f"runners loaded {full['runners']}")
    add("--runs-per-runner", type=int, help=f"runs each {full['runs_per_runner']}")
    add("--samples", type=int, help=f"latency samples per query {full['samples']}")
    add("--warmup", type=int, default=50, help="samples run first, not counted (%(default)s)")
    add("--bulk-runs", type=int, help=f"new runs through upsert_runs {full['bulk_runs']}")
    add("--baseline-runs", type=int, help=f"runs inserted row by row {full['baseline_runs']}")
    add("--batch-size", type=int, default=1000, help="runs per batch (%(default)s: the API's max)")
    add("--http-batches", type=int, help=f"batches POSTed over HTTP {full['http_batches']}")
    add("--http-threads", type=int, default=2, help="threads of the throughput run (%(default)s)")
    add("--http-duration", type=float, help=f"seconds of it, 0 to skip {full['http_duration']}")
    add("--workers", type=int, default=2, help="gunicorn workers (%(default)s)")
    add("--seed", type=int, default=1, help="random seed of the data and samples (%(default)s)")
    add(
        "--database-url",
        help="an existing database, loaded once and reused while it holds the data set "
        "(default: a throw-away one on 127.0.0.1:5432, dropped at the end)",
    )
    add("--keep", action="store_true", help="keep the throw-away database for re-runs")
    add("--quick", action="store_true", help="a small smoke run (the --quick sizes above)")
    add(
        "--writes-only",
        action="store_true",
        help="only the bulk writes at the DB layer (upsert_runs of --bulk-runs against "
        "--baseline-runs row by row), without the data set, the queries or HTTP",
    )
    add("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    for name, value in (QUICK if args.quick else FULL).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    args.command = invocation()
    if args.writes_only:
        return run_main(args, run_writes_only, report_writes, failed_targets)
    return run_main(args, run, report, failed_targets)


if __name__ == "__main__":
    sys.exit(main())
