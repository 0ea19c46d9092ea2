"""Training insight benchmarks on PostgreSQL at 1,000,000 runs: the fitness query (a year of
daily load, fitness, fatigue and form) and the incremental update when a run is added or
edited, next to the month query's baseline, measured in the same run on the same data.

Loads the data set of ``benchmarks.dataservice`` (1,000 runners x 1,000 runs over three
years, 90 % with heart rate) with COPY, stores every runner's records panel and training
days as ``dataservice migrate`` would, then times at the DB layer (a service session per
sample, as a request has) each query of ``QUERIES`` for random runners and days, and each
change of ``CHANGES`` (the write, its flush, and the training refresh it triggers; the
commit's other refreshers are timed apart as ``commit``).  Exits 1, naming it, when a
target fails: fitness p99 <= 20 ms.

Add a query: append a ``Query`` to ``QUERIES`` (a key, a label, the p99 target in ms or
None, and the call on a session and a sample).
Run: .venv/bin/python -m benchmarks.dataservice.training [--quick] [--json]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from benchmarks.dataservice.benchmark import machine, prepare_data, random_samples, store_missing
from benchmarks.dataservice.cli import data_set_parser, failed_targets, parse, run_main
from benchmarks.dataservice.measure import QUERIES as BASELINE_QUERIES
from benchmarks.dataservice.measure import Sample, latency, measure_service_function
from dataservice.database import open_database
from dataservice.migrate import upgrade
from dataservice.models import import_all_models
from dataservice.runs import service
from dataservice.runs.bulk import upsert_runs
from dataservice.runs.models import DeletedActivity, Run
from dataservice.training import kept
from runnerly_common.db import Database

FITNESS_TARGET_MS = 20.0
YEAR = 365


@dataclass(frozen=True)
class Query:
    key: str
    label: str
    target_ms: float | None
    call: Callable[[Session, Sample], Any]


# The training insight's reads, each timed like the month query.  Other slices append theirs.
QUERIES: list[Query] = [
    Query(
        "fitness",
        "fitness: a year of daily load, fitness, fatigue, form",
        FITNESS_TARGET_MS,
        lambda s, x: kept.series(s, x.runner_id, x.day - timedelta(days=YEAR - 1), x.day),
    ),
]
MONTH = next(q for q in BASELINE_QUERIES if q.key == "month")


def _add(session: Session, sample: Sample, number: int) -> None:
    start = datetime.combine(sample.day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=7)
    item = {
        "source": "strava",
        "external_id": f"bench-training-{RUN_TAG}-{number}",
        "start_time": start,
        "title": "Benchmark run",
        "distance": 10_000.0,
        "moving_time": 3000,
        "elapsed_time": 3060,
        "average_hr": 150.0,
        "sport_type": "Run",
    }
    upsert_runs(session, sample.runner_id, [item])


def _edit(session: Session, sample: Sample, number: int) -> None:
    run = session.scalars(
        select(Run).where(Run.runner_id == sample.runner_id).order_by(Run.start_time).limit(1)
    ).first()
    assert run is not None
    service.update_run(session, run, {"distance": run.distance + (1 if number % 2 else -1)})


def _nothing(session: Session, sample: Sample, number: int) -> None:
    """No change: the refresh alone, as every other write of the runner's runs pays it."""


# Changes timed with the refresh they cause: (key, label, change).
CHANGES: list[tuple[str, str, Callable[[Session, Sample, int], None]]] = [
    ("none", "no change: the training refresh alone (a write of something else)", _nothing),
    ("add", "a run added (its day and every later one rewritten)", _add),
    ("edit", "a run edited: the runner's oldest (three years of days rewritten)", _edit),
]
ADDED = "bench-training-%"
RUN_TAG = uuid.uuid4().hex[:8]  # a deleted Strava run's key is never stored again


def remove_added(database: Database) -> None:
    """Delete the runs ``_add`` made (through the service: their runners' days follow), so
    that the data set stays the one ``--database-url`` reuses."""
    with database.transaction() as session:
        for run in session.scalars(select(Run).where(Run.external_id.like(ADDED))):
            service.delete_run(session, run)
        session.flush()
        session.execute(delete(DeletedActivity).where(DeletedActivity.external_id.like(ADDED)))


def measure_change(
    database: Database,
    change: Callable[[Session, Sample, int], None],
    samples: Sequence[Sample],
) -> dict[str, dict[str, float]]:
    """The change and its training refresh in one session, then the commit (the records
    panel's refresh, and a training refresh that finds nothing left to do)."""
    update, commit = [], []
    for number, sample in enumerate(samples):
        with database.sessionmaker() as session:
            started = time.perf_counter()
            change(session, sample, number)
            session.flush()
            kept.refresh(session, sample.runner_id)
            refreshed = time.perf_counter()
            session.commit()
            update.append(refreshed - started)
            commit.append(time.perf_counter() - refreshed)
    return {"update": latency(update), "commit": latency(commit)}


def run(args: argparse.Namespace, url: str, _kept: bool) -> dict[str, Any]:
    upgrade(url)
    import_all_models()
    database = open_database(url)
    remove_added(database)  # an earlier run's, stopped before it cleaned up
    database.dispose()
    ids, load = prepare_data(args, url)
    training_runners, training_s = store_missing(url, kept.missing, kept.store)
    samples = random_samples(ids, args.samples, args.seed)
    # Changes land in the last three months: where a runner's new runs go.
    rng = random.Random(args.seed + 1)
    recent = [
        Sample(rng.choice(ids), datetime.now(UTC).date() - timedelta(days=rng.randrange(90)))
        for _ in range(args.changes)
    ]
    database = open_database(url)
    try:
        results: dict[str, Any] = {"queries": {}, "changes": {}}
        results["queries"]["month"] = measure_service_function(
            database, MONTH, samples, args.warmup
        )
        print(f"month (baseline): {results['queries']['month']}", file=sys.stderr)
        for query in QUERIES:
            figures = measure_service_function(database, query, samples, args.warmup)  # type: ignore[arg-type]
            results["queries"][query.key] = figures
            print(f"{query.label}: {figures}", file=sys.stderr)
        for key, label, change in CHANGES:
            results["changes"][key] = measure_change(database, change, recent)
            print(f"{label}: {results['changes'][key]}", file=sys.stderr)
    finally:
        remove_added(database)
        database.dispose()
    results["load"] = {
        "runners": load.runners,
        "runs": load.runs,
        "copy_s": load.copy_s,
        "training_runners": training_runners,
        "training_store_s": training_s,
    }
    results["machine"] = machine(url)
    results["command"] = args.command
    results["targets"] = targets(results)
    return results


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "name": f"{q.key} p99 <= {q.target_ms:g} ms",
            "passed": results["queries"][q.key]["p99_ms"] <= q.target_ms,
        }
        for q in QUERIES
        if q.target_ms is not None
    ]


def report(results: dict[str, Any]) -> None:
    load = results["load"]
    print(f"# Training insight at {load['runs']:,} runs ({load['runners']:,} runners)")
    print(
        f"training days stored for {load['training_runners']:,} runners "
        f"in {load['training_store_s']:.1f} s"
    )
    print("\n| DB layer | p50 ms | p99 ms |\n| --- | ---: | ---: |")
    labels = {"month": "month query (baseline)", **{q.key: q.label for q in QUERIES}}
    for key, figures in results["queries"].items():
        print(f"| {labels[key]} | {figures['p50_ms']:.2f} | {figures['p99_ms']:.2f} |")
    for key, label, _ in CHANGES:
        for part, figures in results["changes"][key].items():
            name = f"{label}: {'change + training refresh' if part == 'update' else 'commit'}"
            print(f"| {name} | {figures['p50_ms']:.2f} | {figures['p99_ms']:.2f} |")
    for check in results["targets"]:
        print(f"{'PASS' if check['passed'] else 'FAIL'}: {check['name']}")
    print(
        f"\n{results['command']} on {results['machine']['cpu']} "
        f"({results['machine']['nproc']} CPUs), revision {results['machine']['revision']}"
    )


def add_changes(add: Callable[..., Any]) -> None:
    add("--changes", type=int, default=200, help="runs added and edited (%(default)s)")


def main(argv: list[str] | None = None) -> int:
    parser = data_set_parser(
        "python -m benchmarks.dataservice.training",
        __doc__,
        add_changes,
        database_help="an existing database, loaded once and reused",
        quick_help="a small smoke run (20 runners x 200 runs)",
    )
    args = parse(parser, argv)
    if args.quick:
        args.changes = min(args.changes, 50)
    return run_main(args, run, report, failed_targets)


if __name__ == "__main__":
    sys.exit(main())
