"""The command line of the benchmarks that load ``benchmarks.dataservice``'s data set
(itself, search, vdot, training): its sizes and options, the database a run uses, and the
``main`` around a run."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import create_engine, make_url, text

from benchmarks.common.output import finish
from benchmarks.common.repo import invocation
from runnerly_common.testing import POSTGRES_URL, temporary_postgres_database

FULL = {"runners": 1000, "runs_per_runner": 1000, "samples": 1000, "bulk_runs": 50_000}
FULL |= {"baseline_runs": 5000, "http_batches": 5, "http_duration": 5.0}
QUICK = {"runners": 20, "runs_per_runner": 200, "samples": 100, "bulk_runs": 5000}
QUICK |= {"baseline_runs": 1000, "http_batches": 2, "http_duration": 1.0}


@contextlib.contextmanager
def benchmark_database(database_url: str | None, keep: bool) -> Iterator[tuple[str, bool]]:
    """The database URL, and whether it outlives the run (given, or --keep)."""
    if database_url:
        yield database_url, True
    elif keep:
        name = f"bench_dataservice_{uuid.uuid4().hex[:8]}"
        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
        print(f"keeping the database: re-run with --database-url {url}", file=sys.stderr)
        yield url, True
    else:
        with temporary_postgres_database("bench_dataservice") as url:
            yield url, False


Run = Callable[[argparse.Namespace, str, bool], dict[str, Any]]


def data_set_parser(
    prog: str,
    doc: str,
    extra: Callable[[Callable[..., Any]], None] = lambda add: None,
    *,
    database_help: str = "an existing database holding the data set (else a throw-away one)",
    quick_help: str = "a small smoke run (benchmarks.dataservice's sizes)",
) -> argparse.ArgumentParser:
    """The data set's options; ``extra`` adds a benchmark's own after ``--warmup``."""
    parser = argparse.ArgumentParser(prog=prog, description=doc.split("\n\n")[0])
    add = parser.add_argument
    add("--runners", type=int, help=f"runners loaded (default {FULL['runners']:,})")
    add("--runs-per-runner", type=int, help=f"runs each (default {FULL['runs_per_runner']:,})")
    add("--samples", type=int, help=f"samples per query (default {FULL['samples']:,})")
    add("--warmup", type=int, default=50, help="samples run first, not counted (%(default)s)")
    extra(add)
    add("--seed", type=int, default=1, help="random seed of the data and samples (%(default)s)")
    add("--database-url", help=database_help)
    add("--keep", action="store_true", help="keep the throw-away database for re-runs")
    add("--quick", action="store_true", help=quick_help)
    add("--json", action="store_true", help="print the results as JSON")
    return parser


def add_workers(add: Callable[..., Any]) -> None:
    add("--workers", type=int, default=2, help="gunicorn workers (%(default)s)")


def parse(parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    """The arguments, with the sizes ``--quick`` or the full run gives when not set."""
    args = parser.parse_args(argv)
    for name in ("runners", "runs_per_runner", "samples"):
        if getattr(args, name) is None:
            setattr(args, name, (QUICK if args.quick else FULL)[name])
    args.command = invocation()
    return args


def run_main(
    args: argparse.Namespace,
    run: Run,
    report: Callable[[dict[str, Any]], None],
    failures: Callable[[dict[str, Any]], list[str]],
) -> int:
    """Run in the benchmark's database, print the results (report or JSON), name each
    failure on stderr; 1 if any."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the server, drop the DB
    started = time.perf_counter()
    with benchmark_database(args.database_url, args.keep) as (url, kept):
        results = run(args, url, kept)
    results["wall_s"] = time.perf_counter() - started
    return finish(results, args.json, report, failures)


def failed_targets(results: dict[str, Any]) -> list[str]:
    return [check["name"] for check in results["targets"] if not check["passed"]]


def http_errors(results: dict[str, Any]) -> list[str]:
    errors = sum(figures["errors"] for figures in results["http"].values())
    return [f"{errors} HTTP requests were not answered 200"] if errors else []
