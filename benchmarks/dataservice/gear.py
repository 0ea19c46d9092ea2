"""A runner's gear list (``listGear``: every pair with its distance summed from the runs
that wear it) with 10,000 runs per runner on PostgreSQL: what summing on read costs, next to
reading the pairs alone (what a stored distance would cost to read; decision 64).

Makes a temporary database at head, loads ``--runners`` runners of ``--runs`` runs each through
the Strava batch path (``runs.bulk.upsert_runs``, batches of 100 round-robin over the
runners, so each runner's runs lie scattered in the table; each run's ``strava_gear_id`` one
of eight shoes or none, 3 % excluded), then measures p50/p95/p99 of
``gear.service.list_gear`` + ``worn`` (the view's two statements) against ``list_gear`` alone
for random runners, interleaved sample by sample, one session a sample as a request has, and
prints EXPLAIN (ANALYZE, BUFFERS) of the sum.
Run: .venv/bin/python -m benchmarks.dataservice.gear [--quick] [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text, update

from benchmarks.common.repo import invocation
from benchmarks.dataservice.benchmark import machine
from benchmarks.dataservice.measure import latency
from dataservice.database import open_database
from dataservice.gear import service
from dataservice.migrate import upgrade
from dataservice.runs.bulk import upsert_runs
from dataservice.runs.models import Run
from dataservice.users import service as users
from runnerly_common.testing.postgres import temporary_postgres_database

SHOES = [f"g{n}" for n in range(1, 9)]
BATCH = 100  # a sync's worth: a week or two of a runner's runs


def load(database: Any, runners: int, runs: int, rng: random.Random) -> list[int]:
    """Round-robin over the runners, ``BATCH`` runs at a time, so that one runner's runs lie
    scattered among the others' in the table as a service's syncs leave them."""
    start = datetime(2016, 1, 1, 6, tzinfo=UTC)
    ids = []
    with database.transaction() as session:
        for r in range(runners):
            ids.append(users.create_user(session, {"email": f"gear{r}@example.org"}).id)
    for first in range(0, runs, BATCH):
        for r, runner_id in enumerate(ids):
            batch = []
            for n in range(first, min(runs, first + BATCH)):
                km = rng.uniform(4, 25)
                gear = rng.choice(SHOES) if rng.random() < 0.9 else None
                batch.append(
                    {
                        "source": "strava",
                        "external_id": f"{r}-{n}",
                        "start_time": start + timedelta(hours=9 * n),
                        "distance": round(km * 1000, 1),
                        "moving_time": int(km * 330),
                        "elapsed_time": int(km * 330) + 60,
                        "strava_gear_id": gear,
                    }
                )
            with database.transaction() as session:
                upsert_runs(session, runner_id, batch)
    with database.transaction() as session:  # some runs left out of statistics
        session.execute(update(Run).where(Run.id % 33 == 0).values(excluded=True))
    return ids


def list_with_distances(session: Any, runner_id: int) -> object:
    pairs = service.list_gear(session, runner_id)
    return pairs, service.worn(session, runner_id)


def list_only(session: Any, runner_id: int) -> object:
    return service.list_gear(session, runner_id)


def measure(database: Any, ids: list[int], samples: int, rng: random.Random) -> dict[str, Any]:
    calls = {"list_and_sum": list_with_distances, "pairs_only": list_only}
    times: dict[str, list[float]] = {key: [] for key in calls}
    for index in range(samples + 20):
        runner_id = rng.choice(ids)
        for key, call in calls.items():
            with database.sessionmaker() as session:
                started = time.perf_counter()
                call(session, runner_id)
                elapsed = time.perf_counter() - started
            if index >= 20:  # warm-up
                times[key].append(elapsed)
    return {key: latency(seconds) for key, seconds in times.items()}


def explain(database: Any, runner_id: int) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of the statement ``service.worn`` sends."""
    conditions = service.worn_conditions(runner_id)
    statement = select(Run.gear_id, func.sum(Run.distance), func.count(Run.id)).where(*conditions)
    compiled = statement.group_by(Run.gear_id).compile(
        database.engine, compile_kwargs={"literal_binds": True}
    )
    with database.sessionmaker() as session:
        return list(session.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {compiled}")).scalars())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runners", type=int, default=20)
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--seed", type=int, default=64)
    parser.add_argument("--quick", action="store_true", help="4 runners, 200 samples")
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--database-url",
        help="measure a database this benchmark loaded before (kept with --keep): no load",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database it makes")
    args = parser.parse_args()
    if args.quick:
        args.runners, args.samples = 4, 200
    rng = random.Random(args.seed)
    with contextlib.ExitStack() as stack:
        url = args.database_url or stack.enter_context(
            temporary_postgres_database("runnerly_bench_gear", keep=args.keep)
        )
        upgrade(url)
        database = open_database(url)
        try:
            started = time.perf_counter()
            if args.database_url:
                with database.sessionmaker() as session:
                    ids = list(session.scalars(select(Run.runner_id).distinct()))
            else:
                ids = load(database, args.runners, args.runs, rng)
            loaded = time.perf_counter() - started
            with database.transaction() as session:
                session.execute(text("ANALYZE"))
            figures = measure(database, ids, args.samples, rng)
            plan = explain(database, ids[0])
            with database.sessionmaker() as session:
                pairs = service.list_gear(session, ids[0])
                worn = service.worn(session, ids[0])
            with database.sessionmaker() as session:
                total_runs = session.scalar(select(func.count(Run.id))) or 0
            results = {
                "command": invocation(),
                "machine": machine(url),
                "runs": total_runs,
                "runners": len(ids),
                "load_seconds": round(loaded, 1),
                "db": figures,
                "pairs_of_sampled_runner": len(pairs),
                "runs_worn_of_sampled_runner": sum(w.runs for w in worn.values()),
                "explain": plan,
            }
        finally:
            database.dispose()
    if args.json:
        print(json.dumps(results, indent=2, default=str))
        return
    print(f"# {results['command']}")
    print(
        f"{results['runs']:,} runs of {results['runners']} runners, loaded through upsert_runs "
        f"in {results['load_seconds']} s (0: reused); {args.samples} samples a query\n"
    )
    print("| query | p50 | p95 | p99 |\n| --- | ---: | ---: | ---: |")
    for key, label in (
        ("list_and_sum", "gear list with distances (listGear)"),
        ("pairs_only", "the pairs alone (a stored distance's read)"),
    ):
        f = results["db"][key]
        print(f"| {label} | {f['p50_ms']:.2f} ms | {f['p95_ms']:.2f} ms | {f['p99_ms']:.2f} ms |")
    print(
        f"\nSampled runner: {results['pairs_of_sampled_runner']} pairs, "
        f"{results['runs_worn_of_sampled_runner']:,} counted runs worn. EXPLAIN of the sum:"
    )
    for line in plan:
        print("    " + line)


if __name__ == "__main__":
    main()
