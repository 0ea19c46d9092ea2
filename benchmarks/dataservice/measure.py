"""The measurements of benchmarks/dataservice/: latency of service functions at the DB
layer and of endpoints over HTTP, EXPLAIN of the queries, bulk upsert throughput."""

from __future__ import annotations

import gc
import json
import re
import statistics
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import psycopg
import requests
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from benchmarks.common.percentiles import percentiles
from benchmarks.dataservice.data import stored_rows
from dataservice.runs.bulk import upsert_runs
from dataservice.runs.models import BestEffort, Run
from dataservice.runs.service import runs_of_month
from dataservice.stats import kept_records, totals
from dataservice.stats.periods import shift
from runnerly_common.db import Database

Items = list[dict[str, Any]]


@dataclass(frozen=True)
class Sample:
    """A random runner and day: the month, the 52 weeks or 12 months up to it, ..."""

    runner_id: int
    day: date

    @property
    def weeks_back(self) -> date:
        return self.day - timedelta(weeks=51)

    @property
    def months_back(self) -> date:
        return shift(self.day.replace(day=1), "month", -11)


@dataclass(frozen=True)
class Query:
    key: str
    label: str
    target_ms: float  # p99 at the DB layer
    call: Callable[[Session, Sample], object]  # the service function the view calls
    path: Callable[[Sample], str]  # the endpoint, under /api/v1


MONTH_TARGET_MS, STATS_TARGET_MS = 10.0, 25.0  # p99 at the DB layer
RECORDS_TARGET_MS = 10.0  # issue 16: with best efforts for every run
BULK_TARGET = 20_000  # runs/s through upsert_runs, batches of 1,000
STATS = "/users/{0.runner_id}/stats"
QUERIES = (
    Query(
        "month",
        "month query: runs_of_month",
        MONTH_TARGET_MS,
        lambda s, x: runs_of_month(s, x.runner_id, x.day.year, x.day.month),
        lambda x: f"/runs/{x.runner_id}/{x.day.year}/{x.day.month}",
    ),
    Query(
        "weekly",
        "weekly totals, 52 weeks",
        STATS_TARGET_MS,
        lambda s, x: totals.period_totals(s, x.runner_id, "week", x.weeks_back, x.day),
        lambda x: STATS.format(x) + f"/totals?period=week&from={x.weeks_back}&to={x.day}",
    ),
    Query(
        "monthly",
        "monthly totals, 12 months",
        STATS_TARGET_MS,
        lambda s, x: totals.period_totals(s, x.runner_id, "month", x.months_back, x.day),
        lambda x: STATS.format(x) + f"/totals?period=month&from={x.months_back}&to={x.day}",
    ),
    Query(
        "yearly",
        "yearly totals, every year",
        STATS_TARGET_MS,
        lambda s, x: totals.period_totals(s, x.runner_id, "year"),
        lambda x: STATS.format(x) + "/totals?period=year",
    ),
    Query(
        "records",
        "personal records",
        RECORDS_TARGET_MS,
        lambda s, x: kept_records.panel(s, x.runner_id),
        lambda x: STATS.format(x) + "/records",
    ),
    Query(
        "summary",
        "summary: all time, week, month, year",
        STATS_TARGET_MS,
        lambda s, x: totals.summary(s, x.runner_id, x.day, totals.DEFAULT_SPORTS),
        lambda x: STATS.format(x) + f"/summary?date={x.day}",
    ),
)


def latency(seconds: Sequence[float]) -> dict[str, float]:
    return {
        **percentiles(seconds),
        "mean_ms": statistics.fmean(seconds) * 1e3,
        "max_ms": max(seconds) * 1e3,
    }


# --- the DB layer -----------------------------------------------------------------------------


def measure_service_function(
    database: Database, query: Query, samples: Sequence[Sample], warmup: int
) -> dict[str, float]:
    """Wall time of the service function, one session per sample as a request has: the
    time includes taking a warm pooled connection (with its pre-ping), not closing it."""
    times = []
    for index, sample in enumerate([*samples[:warmup], *samples]):
        with database.sessionmaker() as session:
            started = time.perf_counter()
            query.call(session, sample)
            if index >= warmup:
                times.append(time.perf_counter() - started)
    return latency(times)


def interleaved_db(
    database: Database,
    calls: Sequence[tuple[str, Callable[[Session, Sample], object]]],
    samples: Sequence[Sample],
    warmup: int,
) -> dict[str, dict[str, float]]:
    """``measure_service_function`` for several calls, sample by sample, so that drift in the
    machine's load hits every call alike; each in a session of its own, as a request has."""
    times: dict[str, list[float]] = {key: [] for key, _ in calls}
    for index, sample in enumerate([*samples[:warmup], *samples]):
        for key, call in calls:
            with database.sessionmaker() as session:
                started = time.perf_counter()
                call(session, sample)
                elapsed = time.perf_counter() - started
            if index >= warmup:
                times[key].append(elapsed)
    return {key: latency(seconds) for key, seconds in times.items()}


@contextmanager
def captured_statements(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """The SQL (and bound parameters) that ``engine`` sends inside the block."""
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


@contextmanager
def captured_copies(seen: list[tuple[str, Any]]) -> Iterator[None]:
    """COPY commands too: the bulk upsert sends them on the driver's cursor, where
    SQLAlchemy's events do not see them."""
    original = psycopg.Cursor.copy

    def copy(cursor: psycopg.Cursor[Any], statement: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append((str(statement), None))
        return original(cursor, statement, *args, **kwargs)

    psycopg.Cursor.copy = copy  # type: ignore[method-assign]
    try:
        yield
    finally:
        psycopg.Cursor.copy = original  # type: ignore[method-assign]


def explain(database: Database, query: Query, sample: Sample) -> list[dict[str, Any]]:
    """EXPLAIN (ANALYZE, BUFFERS) of each statement the service function sends, with its
    scans, root buffer counts and execution time picked out of the plan."""
    with captured_statements(database.engine) as statements, database.sessionmaker() as session:
        query.call(session, sample)
    plans = []
    with database.engine.connect() as conn:
        for statement, parameters in statements:
            rows = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS) {statement}", parameters)
            plan = "\n".join(row[0] for row in rows)
            lines = [line.strip().removeprefix("->").strip() for line in plan.splitlines()]
            scans = [  # "Index Scan using ix on runs", aliases and subquery scans left out
                re.sub(r"( on \w+) \w+$", r"\1", line.split("  (")[0])
                for line in lines
                if " Scan " in line.split("(")[0] and not line.startswith("Subquery")
            ]
            plans.append(
                {
                    "sql": " ".join(statement.split()),
                    "plan": plan,
                    "scans": [
                        f"{scans.count(s)}x {s}" for s in sorted(set(scans), key=scans.index)
                    ],
                    "buffers": next((ln for ln in lines if ln.startswith("Buffers:")), ""),
                    "execution_ms": float(re.findall(r"Execution Time: ([\d.]+) ms", plan)[0]),
                }
            )
    return plans


def uses_index(plan: str, index: str) -> bool:
    """Whether the plan reads through ``index`` (plain, index-only or bitmap index scan)."""
    scans = re.findall(
        r"(?:Index Scan using|Index Only Scan using|Bitmap Index Scan on) (\w+)", plan
    )
    return index in scans and "Seq Scan" not in plan


def typical_sample(database: Database, samples: Sequence[Sample]) -> Sample:
    """The first sample whose month holds runs: the month query's usual case, to EXPLAIN."""
    with database.sessionmaker() as session:
        for sample in samples:
            if runs_of_month(session, sample.runner_id, sample.day.year, sample.day.month):
                return sample
    return samples[0]


# --- HTTP -------------------------------------------------------------------------------------


def measure_endpoint(
    base_url: str,
    query: Query,
    samples: Sequence[Sample],
    auth: Callable[[int], dict[str, str]],
    warmup: int,
) -> dict[str, float]:
    """Sequential GETs over one keep-alive session: latency as a dashboard call sees it."""
    times, errors = [], 0
    with requests.Session() as http:
        for index, sample in enumerate([*samples[:warmup], *samples]):
            url = f"{base_url}/api/v1{query.path(sample)}"
            started = time.perf_counter()
            response = http.get(url, headers=auth(sample.runner_id), timeout=30)
            elapsed = time.perf_counter() - started
            if index >= warmup:
                times.append(elapsed)
                errors += response.status_code != 200
    return {**latency(times), "errors": errors}


def interleaved_http(
    base_url: str,
    paths: Sequence[tuple[str, Callable[[Sample], str]]],
    samples: Sequence[Sample],
    auth: Callable[[int], dict[str, str]],
    warmup: int,
) -> dict[str, dict[str, float]]:
    """``measure_endpoint`` for several paths, sample by sample, so that drift in the
    machine's load hits every path alike."""
    times: dict[str, list[float]] = {key: [] for key, _ in paths}
    errors = dict.fromkeys(times, 0)
    with requests.Session() as http:
        for index, sample in enumerate([*samples[:warmup], *samples]):
            for key, path in paths:
                url = f"{base_url}/api/v1{path(sample)}"
                started = time.perf_counter()
                response = http.get(url, headers=auth(sample.runner_id), timeout=30)
                elapsed = time.perf_counter() - started
                if index >= warmup:
                    times[key].append(elapsed)
                    errors[key] += response.status_code != 200
    return {key: {**latency(seconds), "errors": errors[key]} for key, seconds in times.items()}


def measure_endpoint_throughput(
    base_url: str,
    query: Query,
    samples: Sequence[Sample],
    auth: Callable[[int], dict[str, str]],
    threads: int,
    duration: float,
) -> dict[str, float]:
    """Requests/s from ``threads`` client threads for ``duration`` seconds."""
    stop = time.perf_counter() + duration
    counts: list[tuple[int, int]] = []

    def drive(offset: int) -> None:
        done = errors = 0
        with requests.Session() as http:
            while time.perf_counter() < stop:
                sample = samples[(offset + done) % len(samples)]
                url = f"{base_url}/api/v1{query.path(sample)}"
                response = http.get(url, headers=auth(sample.runner_id), timeout=30)
                done, errors = done + 1, errors + (response.status_code != 200)
        counts.append((done, errors))

    workers = [threading.Thread(target=drive, args=(i * 97,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    requests_done = sum(done for done, _ in counts)
    return {
        "threads": threads,
        "duration_s": duration,
        "requests": requests_done,
        "errors": sum(errors for _, errors in counts),
        "requests_per_s": requests_done / duration,
    }


# --- bulk upsert ------------------------------------------------------------------------------


def upsert_batch(session: Session, runner_id: int, items: Items) -> dict[str, int]:
    """What POST /runs/batch does below HTTP: the idempotent upsert, committed."""
    result = upsert_runs(session, runner_id, items)
    session.commit()
    return result.as_dict()


def insert_row_by_row(session: Session, runner_id: int, items: Items) -> dict[str, int]:
    """The baseline, the book's worker: the same rows (run, digest, best efforts) through
    the ORM, one INSERT round trip per run (``add`` + ``flush``), a commit per batch, and
    no look-up for existing runs (less work than an idempotent upsert)."""
    for item in items:
        row, efforts = stored_rows(runner_id, item)
        run = Run(**row)
        session.add(run)
        session.flush()
        session.add_all(BestEffort(run_id=run.id, **effort) for effort in efforts)
    session.commit()
    return {"created": len(items), "updated": 0, "unchanged": 0}


def time_batch(
    database: Database,
    write: Callable[[Session, int, Items], dict[str, int]],
    runner_id: int,
    items: Items,
    expect: str,
) -> tuple[float, int]:
    """Seconds to write one batch (committed), and how many statements it sent."""
    with (
        captured_statements(database.engine) as statements,
        captured_copies(statements),
        database.sessionmaker() as session,
    ):
        started = time.perf_counter()
        result = write(session, runner_id, items)
        elapsed = time.perf_counter() - started
    if result[expect] != len(items):
        raise RuntimeError(f"{write.__name__} of {len(items)} runs gave {result}, not all {expect}")
    return elapsed, len(statements)


def throughput(runs: int, batches: Sequence[tuple[float, int]]) -> dict[str, float]:
    seconds = [elapsed for elapsed, _ in batches]
    return {
        "runs": runs,
        "batches": len(seconds),
        "seconds": sum(seconds),
        "runs_per_s": runs / sum(seconds),
        "batch_p50_ms": statistics.median(seconds) * 1e3,
        "batch_max_ms": max(seconds) * 1e3,
        "statements_per_batch": statistics.fmean(count for _, count in batches),
    }


def python_side_ms(batches: Sequence[tuple[int, Items]]) -> float:
    """Median ms per batch of the work done in Python before any SQL: digests, rows and
    best efforts of each run (``stored_rows``, what ``upsert_runs`` computes)."""
    times = []
    for runner_id, items in batches:
        started = time.perf_counter()
        for item in items:
            stored_rows(runner_id, item)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1e3


def measure_bulk_writes(
    database: Database,
    bulk: Sequence[tuple[int, Items]],
    baseline: Sequence[tuple[int, Items]],
) -> dict[str, Any]:
    """New runs through the bulk upsert and row by row (the baseline batches interleaved
    with the bulk ones, so that drift hits both), then the bulk batches sent again."""
    # The batches wait in this process's memory, where the service holds one request's:
    # frozen, they are not walked by every garbage collection of the measured writes (the
    # service freezes its start-up heap the same way, runnerly_common.server).
    gc.collect()
    gc.freeze()
    every = max(1, len(bulk) // max(1, len(baseline)))
    upserted, row_by_row, pending = [], [], list(baseline)
    for index, (runner_id, items) in enumerate(bulk):
        upserted.append(time_batch(database, upsert_batch, runner_id, items, "created"))
        if pending and index % every == every - 1:
            runner, rows = pending.pop(0)
            row_by_row.append(time_batch(database, insert_row_by_row, runner, rows, "created"))
    for runner, rows in pending:
        row_by_row.append(time_batch(database, insert_row_by_row, runner, rows, "created"))
    unchanged = [
        time_batch(database, upsert_batch, runner_id, items, "unchanged")
        for runner_id, items in bulk
    ]
    results: dict[str, Any] = {
        "upsert_new": throughput(sum(len(i) for _, i in bulk), upserted),
        "row_by_row": throughput(sum(len(i) for _, i in baseline), row_by_row),
        "upsert_unchanged": throughput(sum(len(i) for _, i in bulk), unchanged),
        "python_side_ms_per_batch": python_side_ms(bulk),
    }
    results["ratio"] = results["upsert_new"]["runs_per_s"] / results["row_by_row"]["runs_per_s"]
    return results


def measure_http_batches(
    base_url: str, batches: Sequence[tuple[int, Items]], headers: dict[str, str]
) -> dict[str, Any]:
    """POST /users/{id}/runs/batch with new runs, then the same bodies again (unchanged):
    the bulk upsert plus HTTP, token verification, OpenAPI validation and JSON parsing."""
    bodies = [
        (runner_id, len(items), json.dumps({"runs": [_as_json(i) for i in items]}))
        for runner_id, items in batches
    ]
    results: dict[str, Any] = {"body_bytes": len(bodies[0][2])}
    with requests.Session() as http:
        for label, expect in (("http_batch_new", "created"), ("http_batch_unchanged", "unchanged")):
            seconds: list[tuple[float, int]] = []
            for runner_id, size, body in bodies:
                started = time.perf_counter()
                response = http.post(
                    f"{base_url}/api/v1/users/{runner_id}/runs/batch",
                    data=body,
                    headers={**headers, "Content-Type": "application/json"},
                    timeout=60,
                )
                seconds.append((time.perf_counter() - started, 0))  # statements: not seen
                _check_batch(response, expect, size)
            results[label] = throughput(sum(size for _, size, _ in bodies), seconds)
    return results


def _check_batch(response: requests.Response, expect: str, size: int) -> None:
    if response.status_code != 200 or response.json().get(expect) != size:
        raise RuntimeError(f"POST runs/batch answered {response.status_code}: {response.text}")


def _as_json(item: dict[str, Any]) -> dict[str, Any]:
    return {**item, "start_time": item["start_time"].isoformat()}
