"""What one run written costs a runner with a long history: single-run upserts, each in its
own transaction with the refreshers of the answers kept from runs (records panel, run VDOTs,
training load and days), for a runner of ``--small`` and of ``--large`` runs, in one process
on a throw-away SQLite or PostgreSQL database.  The figure is the ratio large/small of the
median write: near 1 when a write's cost does not grow with the runner's history.

``.venv/bin/python -m benchmarks.dataservice.write_cost [--database-url URL] [--json]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.fernet import Fernet

from benchmarks.common.machine import cpu_model, load_average, revision
from benchmarks.common.repo import invocation
from dataservice.app import create_app
from dataservice.migrate import upgrade
from dataservice.runs import bulk
from dataservice.settings import DataServiceSettings
from dataservice.users import service as users

START = datetime(2020, 1, 1, 7, tzinfo=UTC)


def _run(i: int) -> dict[str, Any]:
    # One run a day, with heart rate: every refresher has work (loads, VDOTs, efforts).
    return {
        "source": "strava",
        "external_id": f"a{i}",
        "start_time": START + timedelta(days=i),
        "distance": 8000.0 + (i % 7) * 1000,
        "moving_time": 2400 + (i % 7) * 300,
        "elapsed_time": 2500 + (i % 7) * 300,
        "sport_type": "Run",
        "average_hr": 140.0 + i % 20,
    }


def measure(url: str, history: int, writes: int) -> list[float]:
    """Milliseconds of each single-run write (a new run, then an edit of an old one, in
    turn) for a runner holding ``history`` runs."""
    settings = DataServiceSettings.load(
        environ={}, env="test", database_url=url, strava_token_keys=Fernet.generate_key().decode()
    )
    db = create_app(settings).extensions["runnerly.db"]
    with db.transaction() as session:
        runner = users.create_user(
            session, {"email": f"w{history}-{time.time_ns()}@example.org", "max_hr": 190}
        ).id
    with db.transaction() as session:
        bulk.upsert_runs(session, runner, [_run(i) for i in range(history)])
    times = []
    for n in range(writes):
        item = (
            _run(history + n) if n % 2 == 0 else {**_run(n * 37 % history), "moving_time": 2000 + n}
        )
        started = time.perf_counter()
        with db.transaction() as session:
            bulk.upsert_runs(session, runner, [item])
        times.append((time.perf_counter() - started) * 1000)
    db.dispose()
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.dataservice.write_cost")
    parser.add_argument("--small", type=int, default=300, help="runs of the short history")
    parser.add_argument("--large", type=int, default=3000, help="runs of the long history")
    parser.add_argument("--writes", type=int, default=40, help="single-run writes measured")
    parser.add_argument("--database-url", help="an empty migrated database (else SQLite)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/write_cost.db"
    upgrade(url, "head")
    results: dict[str, Any] = {
        "command": invocation(),
        "machine": {"cpu": cpu_model(), "revision": revision(), "load": load_average()},
    }
    for name, history in (("small", args.small), ("large", args.large)):
        times = measure(url, history, args.writes)
        results[name] = {
            "history": history,
            "p50_ms": statistics.median(times),
            "p95_ms": statistics.quantiles(times, n=20)[-1],
        }
    results["ratio_large_small_p50"] = results["large"]["p50_ms"] / results["small"]["p50_ms"]
    if args.json:
        print(json.dumps(results, indent=2, default=str))
    else:
        print(results["command"])
        print(json.dumps(results["machine"]))
        for name in ("small", "large"):
            r = results[name]
            print(
                f"{r['history']:>6,} runs: p50 {r['p50_ms']:.1f} ms, "
                f"p95 {r['p95_ms']:.1f} ms a write"
            )
        print(f"large/small p50: {results['ratio_large_small_p50']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
