"""One timed sync for benchmarks/sync/: enqueue, wait, verify, and account for the time.

A round starts Celery workers, enqueues ``sync_runner`` for every runner (what beat's
``sync_all`` does, without its countdowns) and polls the links until every runner is
``idle`` again; then it checks that the dataservice holds exactly each athlete's running
activities.  The time is accounted three ways: the CPU each process group used in the round
(from /proc), the phases of the worker's tasks, and the services' requests (both from the
probes, see :mod:`benchmarks.sync.probe`).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import psycopg
from celery import Celery

from benchmarks.dataservice.data import libpq_url
from benchmarks.sync.probe import read_lines
from benchmarks.sync.profile import profiling, summarize
from benchmarks.sync.stack import Stack, workers
from runnerly_common.tasks import SYNC_RUNNER

POLL_SECONDS = 0.1
TICK = os.sysconf("SC_CLK_TCK")
SYNC_TASK = SYNC_RUNNER.name  # as the worker logs it
BATCH_ROUTE = "POST /api/v1/users/{n}/runs/batch"
PAGE_ROUTE = "GET /api/v3/athlete/activities"


def _stat(pid: str) -> tuple[int, float] | None:
    """(session id, CPU seconds) of a process, None if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[3]), (int(fields[11]) + int(fields[12])) / TICK


def _cmdline(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def cpu_seconds(sessions: dict[str, int], database: str) -> dict[str, float]:
    """CPU seconds used so far by each process group: the processes of each session we
    started, PostgreSQL's backends of our database, the rest of PostgreSQL (shared with
    whatever else uses it), this process, and the machine."""
    used: dict[str, float] = defaultdict(float)
    names = {sid: name for name, sid in sessions.items()}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        stat = _stat(pid)
        if stat is None:
            continue
        sid, seconds = stat
        if sid in names:
            used[names[sid]] += seconds
        elif (cmd := _cmdline(pid)).startswith("postgres"):
            if f" {database} " not in cmd:
                used["postgresql (other)"] += seconds
            else:
                used["postgresql autovacuum" if "autovacuum" in cmd else "postgresql"] += seconds
    times = os.times()
    used["benchmark"] = times.user + times.system
    total = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
    used["machine busy"] = (sum(map(int, total)) - int(total[3]) - int(total[4])) / TICK
    return dict(used)


def _links(conn: psycopg.Connection[Any], ids: list[int]) -> tuple[int, int]:
    """(runners synced, runners failed)."""
    row = conn.execute(
        "SELECT count(*) FILTER (WHERE sync_state = 'idle' AND last_sync_at IS NOT NULL), "
        "count(*) FILTER (WHERE sync_state IN ('error', 'deauthorized')) "
        "FROM strava_links WHERE user_id = ANY(%s)",
        (ids,),
    ).fetchone()
    assert row is not None
    return row[0], row[1]


def _stored(conn: psycopg.Connection[Any], ids: list[int]) -> dict[int, tuple[int, int, float]]:
    """Per runner: runs, distinct Strava ids, epoch of the last run's creation."""
    rows = conn.execute(
        "SELECT runner_id, count(*), count(DISTINCT external_id), "
        "extract(epoch FROM max(created_at)) FROM runs WHERE runner_id = ANY(%s) "
        "GROUP BY runner_id",
        (ids,),
    ).fetchall()
    return {row[0]: (row[1], row[2], float(row[3])) for row in rows}


def count_problems(
    runners: dict[int, int],
    stored: dict[int, tuple[int, int, float]],
    expected: dict[int, int],
    source: str,
) -> list[str]:
    """Each runner whose stored runs are not exactly the athlete's running activities."""
    problems = []
    for athlete, runner_id in runners.items():
        runs, distinct, _ = stored.get(runner_id, (0, 0, 0.0))
        if runs != expected[athlete] or distinct != runs:
            problems.append(
                f"runner {runner_id} (athlete {athlete}): {runs} runs ({distinct} distinct), "
                f"{expected[athlete]} {source}"
            )
    return problems


def timed_sync(
    stack: Stack,
    runners: dict[int, int],
    expected: dict[int, int],
    *,
    concurrency: int,
    row_by_row: bool,
    name: str,
    timeout: float,
    profile: bool = False,
) -> dict[str, Any]:
    """Sync ``runners`` (athlete → runner id) from scratch with fresh workers; the figures.
    ``profile``: py-spy samples the services and the worker meanwhile (it costs CPU)."""
    ids = list(runners.values())
    database = stack.database_url.rsplit("/", 1)[1]
    with (
        workers(stack, concurrency, row_by_row=row_by_row, name=name) as worker,
        psycopg.connect(libpq_url(stack.database_url), autocommit=True) as conn,
    ):
        sessions = {n: p.process.pid for n, p in stack.processes.items() if p.process}
        sessions["celery worker"] = worker.pid
        sessions["redis"] = stack.redis_pid
        client = Celery(broker=stack.broker_url)
        client.connection_for_write().ensure_connection()  # connected before the clock starts
        time.sleep(1)  # the workers' first poll of the broker
        spied = {k: sessions[k] for k in ("dataservice", "strava-sim", "celery worker")}
        with contextlib.ExitStack() as spying:
            spies = spying.enter_context(profiling(stack.work, spied)) if profile else {}
            cpu_before = cpu_seconds(sessions, database)
            started = time.time()
            for runner_id in ids:
                SYNC_RUNNER.send(client, {"user_id": runner_id})
            enqueued = time.time()
            while True:
                synced, failed = _links(conn, ids)
                now = time.time()
                if (
                    synced == len(ids)
                    or failed
                    or now - started > timeout
                    or worker.errors_in_log()
                ):
                    break
                time.sleep(POLL_SECONDS)
            cpu_after = cpu_seconds(sessions, database)
        client.close()
        stored = _stored(conn, ids)
        worker_errors = worker.errors_in_log()
    problems = []
    if synced < len(ids):
        problems.append(f"{len(ids) - synced} of {len(ids)} runners not synced ({failed} failed)")
    problems += worker_errors[:10]
    problems += count_problems(runners, stored, expected, "expected")
    runs = sum(r for r, _, _ in stored.values())
    last_run = max((t for _, _, t in stored.values()), default=now)
    return {
        "name": name,
        "concurrency": concurrency,
        "row_by_row": row_by_row,
        "runners": len(ids),
        "runs": runs,
        "expected_runs": sum(expected[a] for a in runners),
        "started": started,
        "enqueue_s": enqueued - started,
        "all_synced_s": now - started,
        "last_run_s": last_run - started,
        "runs_per_s": runs / (now - started),
        "cpu": {k: cpu_after.get(k, 0.0) - v for k, v in cpu_before.items()},
        "ended": now,
        "problems": problems[:20],
        "profiled": profile,
        "profile": {group: summarize(path) for group, path in spies.items()},
    }


def _sums(lines: list[dict[str, Any]]) -> tuple[dict[str, float], dict[str, int]]:
    seconds: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    for line in lines:
        for key, value in line["seconds"].items():
            seconds[key] += value
        for key, value in line["counts"].items():
            counts[key] += value
    return seconds, counts


def breakdown(probe_dir: Path, result: dict[str, Any]) -> dict[str, Any]:
    """The probes' lines of this round, summed: the worker's phases and the services' time
    per route.  Nested phases stay nested: ``http_strava`` includes the sim's request."""
    window = (result["started"], result["ended"] + 2)

    def of_round(role: str) -> list[dict[str, Any]]:
        return [
            line for line in read_lines(probe_dir, role) if window[0] <= line["end"] <= window[1]
        ]

    tasks = [line for line in of_round("worker") if line.get("task") == SYNC_TASK]
    worker, counts = _sums(tasks)
    services: dict[str, dict[str, dict[str, float]]] = {}
    for role in ("strava-sim", "dataservice"):
        routes: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for line in of_round(role):
            route = routes[line["route"]]
            route["requests"] += 1
            route["bytes_in"] += line["bytes_in"]
            route["bytes_out"] += line["bytes_out"]
            for key, value in line["seconds"].items():
                route[key] += value
            route["db_calls"] += line["counts"].get("db", 0)
        services[role] = {k: dict(v) for k, v in routes.items()}
    statuses: dict[str, int] = defaultdict(int)
    for task in tasks:
        statuses[str(task.get("status"))] += 1
    return {
        "tasks": len(tasks),
        "task_statuses": dict(statuses),
        "worker_seconds": dict(worker),
        "worker_counts": dict(counts),
        "services": services,
    }
