"""The VDOT queries (issue 20) at 1,000,000 runs on PostgreSQL: a year of daily VDOT trend,
the same per week, the race predictions and the marathon shape.

Loads the data set of ``python -m benchmarks.dataservice`` (1,000 runners x 1,000 runs with
best efforts and heart rates, COPY; or reuses a ``--database-url`` that holds it), stores the
run VDOTs COPY wrote behind the service's back (``dataservice.vo2max.kept.store``, as
``dataservice migrate`` does; timed), then for random runner-days measures p50/p95/p99 of
each query at the DB layer (the service function the view calls, one session per sample, as
a request has) and over HTTP against a live ``dataservice serve`` (gunicorn, 2 workers, a
runner's token), interleaved sample by sample.  EXPLAIN (ANALYZE, BUFFERS) of the year's
trend shows the (runner_id, day) index bounding it.  (LOAD's benchmarks/dataservice/
training.py was not there when this was written: the VDOT queries have their own script.)
Run: .venv/bin/python -m benchmarks.dataservice.vdot [--quick] [--json]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from benchmarks.common.tokens import Tokens
from benchmarks.dataservice.benchmark import loaded_samples, new_results, store_missing
from benchmarks.dataservice.cli import add_workers, data_set_parser, http_errors, parse, run_main
from benchmarks.dataservice.measure import Sample, interleaved_db, interleaved_http
from benchmarks.dataservice.report import print_machine
from benchmarks.dataservice.server import served_dataservice
from dataservice.database import open_database
from dataservice.vo2max import kept, service
from runnerly_common.db import Database
from runnerly_common.testing import new_key

TARGET_MS = 20.0  # p99 at the DB layer, as the issue asks of the load queries


@dataclass(frozen=True)
class VdotQuery:
    key: str
    label: str
    call: Callable[[Session, Sample], object]
    path: Callable[[Sample], str]


def _year(sample: Sample) -> tuple[Any, Any]:
    return sample.day - timedelta(days=364), sample.day


QUERIES = (
    VdotQuery(
        "trend_day",
        "getVdotTrend, a year of daily values",
        lambda s, x: service.vdot_trend(s, x.runner_id, *_year(x), "day"),
        lambda x: f"/users/{x.runner_id}/vo2max/trend?from={_year(x)[0]}&to={x.day}",
    ),
    VdotQuery(
        "trend_week",
        "getVdotTrend, a year per week",
        lambda s, x: service.vdot_trend(s, x.runner_id, *_year(x), "week"),
        lambda x: f"/users/{x.runner_id}/vo2max/trend?from={_year(x)[0]}&to={x.day}&period=week",
    ),
    VdotQuery(
        "predictions",
        "getRacePredictions",
        lambda s, x: service.race_predictions(s, x.runner_id),
        lambda x: f"/users/{x.runner_id}/vo2max/predictions",
    ),
    VdotQuery(
        "readiness",
        "getMarathonReadiness",
        lambda s, x: service.marathon_readiness(s, x.runner_id),
        lambda x: f"/users/{x.runner_id}/vo2max/readiness",
    ),
)


def explain_trend(database: Database, sample: Sample) -> list[str]:
    first, last = _year(sample)
    with database.engine.connect() as connection:
        rows = connection.execute(
            text(
                "EXPLAIN (ANALYZE, BUFFERS) SELECT day, vdot, duration FROM run_vdots "
                "WHERE runner_id = :r AND day >= :f AND day <= :l"
            ),
            {"r": sample.runner_id, "f": first - timedelta(days=29), "l": last},
        )
        return [row[0] for row in rows]


def run(args: argparse.Namespace, url: str, _kept: bool) -> dict[str, Any]:
    results = new_results(args, url)
    samples = loaded_samples(args, url)
    results["vdots_stored"], results["vdots_store_s"] = store_missing(url, kept.missing, kept.store)
    database = open_database(url)
    try:
        results["db"] = interleaved_db(
            database, [(q.key, q.call) for q in QUERIES], samples, args.warmup
        )
        results["explain"] = explain_trend(database, samples[0])
        with database.engine.connect() as connection:
            results["run_vdots"] = connection.execute(
                text("SELECT count(*) FROM run_vdots")
            ).scalar()
    finally:
        database.dispose()
    tokens = Tokens(new_key("ES256", "bench-dataservice-vdot"))
    with served_dataservice(url, tokens.key, args.workers) as served:
        paths = [(q.key, q.path) for q in QUERIES]
        results["http"] = interleaved_http(served.url, paths, samples, tokens.runner, args.warmup)
    return results


def report(results: dict[str, Any]) -> None:
    print_machine(results)
    params = results["parameters"]
    print(
        f"{params['runners'] * params['runs_per_runner']:,} runs ({params['runners']:,} runners "
        f"x {params['runs_per_runner']:,}), {results['run_vdots']:,} run VDOTs "
        f"({results['vdots_stored']:,} runners stored in {results['vdots_store_s']:.0f} s), "
        f"{params['samples']:,} samples a query\n"
    )
    print("| query | DB p50 | DB p95 | DB p99 | target p99 | HTTP p50 | HTTP p99 |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for query in QUERIES:
        db, http = results["db"][query.key], results["http"][query.key]
        print(
            f"| {query.label} | {db['p50_ms']:.2f} ms | {db['p95_ms']:.2f} ms | "
            f"{db['p99_ms']:.2f} ms | {TARGET_MS:.0f} ms | {http['p50_ms']:.2f} ms | "
            f"{http['p99_ms']:.2f} ms |"
        )
    print("\nEXPLAIN (ANALYZE, BUFFERS) of the year's trend (31 days more: the first window):")
    for line in results["explain"]:
        print(f"  {line}")
    print(f"\nwall time {results['wall_s']:.0f} s")


def main(argv: list[str] | None = None) -> int:
    parser = data_set_parser("python -m benchmarks.dataservice.vdot", __doc__, add_workers)
    return run_main(parse(parser, argv), run, report, http_errors)


if __name__ == "__main__":
    sys.exit(main())
