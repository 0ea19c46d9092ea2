"""The processes of the sync benchmark and the runners it syncs, on the live-stack harness.

A private ``redis-server`` (broker and rate budget, nothing kept), the tokendealer, the
dataservice on a throw-away PostgreSQL database and strava-sim seeded with the benchmark's
athletes and its limits lifted: :func:`runnerly_common.testing.stack.start_stack`, the
services served by :mod:`benchmarks.sync.serve` (the same apps, with the benchmark's timers),
and Celery workers running :mod:`benchmarks.sync.worker` (the worker, with its timers).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import create_engine, text

from benchmarks.common.repo import module_command
from benchmarks.dataservice.data import insert_users, libpq_url
from benchmarks.sync.probe import ENV_DIR
from runnerly_common.service_client import ServiceSession
from runnerly_common.testing import CeleryProcess, link_strava_athlete
from runnerly_common.testing.services import UNLIMITED, start_celery_worker, worker_environ
from runnerly_common.testing.stack import start_stack
from strava_worker.mapping import RUNNING_SPORTS

RUNNER_EMAIL_DOMAIN = "sync.bench.invalid"
PARTS = ("redis", "tokendealer", "dataservice", "strava-sim")


@dataclass
class Stack:
    """Where everything runs; ``worker_env`` is what a Celery worker needs."""

    work: Path
    database_url: str
    sim_database_url: str
    probe_dir: Path
    redis_url: str = ""
    redis_pid: int = 0
    dataservice_url: str = ""
    sim_url: str = ""
    worker_env: dict[str, str] = field(default_factory=dict)
    seeding: dict[str, Any] = field(default_factory=dict)
    processes: dict[str, Any] = field(default_factory=dict)  # the harness's, by name
    log_errors: dict[str, list[str]] = field(default_factory=dict)  # what each service logged
    tokens: Any = None  # the worker's service tokens (ServiceTokenClient)

    @property
    def broker_url(self) -> str:
        return f"{self.redis_url}/0"


def _served(service: str, probe_dir: Path) -> list[str]:
    return module_command("benchmarks.sync.serve", service, **{ENV_DIR: str(probe_dir)})


@contextlib.contextmanager
def running_stack(
    work: Path,
    database_url: str,
    *,
    athletes: int,
    per_athlete: int,
    dataservice_workers: int,
    sim_workers: int,
) -> Iterator[Stack]:
    """The services, always stopped; the dataservice and strava-sim at their INFO log
    level, as deployed (the harness's default is WARNING)."""
    probe_dir = work / "probes"
    probe_dir.mkdir()
    options: dict[str, dict[str, Any]] = {
        "tokendealer": {"workers": 1},
        "dataservice": {
            "workers": dataservice_workers,
            "log_level": "INFO",
            "command": _served("dataservice", probe_dir),
        },
        "strava-sim": {
            "workers": sim_workers,
            "lift_limits": True,
            "reset": True,  # seeding timed apart from the start
            "log_level": "INFO",
            "years": 1,
            "activities_per_year": per_athlete,
            "command": _served("strava-sim", probe_dir),
        },
    }
    with start_stack(
        work,
        database_url=database_url,
        parts=PARTS,
        athletes=athletes,
        redis_appendonly=False,
        options=options,
    ) as services:
        assert services.redis and services.tokendealer and services.dataservice and services.sim
        stack = Stack(
            work=work,
            database_url=database_url,
            sim_database_url=services.sim.env["STRAVA_SIM_DATABASE_URL"],
            probe_dir=probe_dir,
            redis_url=services.redis.base_url,
            redis_pid=services.redis.pid,
            dataservice_url=services.dataservice.url,
            sim_url=services.sim.url,
            seeding=services.sim.seeding,
            processes=dict(services.processes),
            tokens=services.worker_tokens(),
        )
        stack.worker_env = worker_environ(
            broker_url=services.redis.url(0),
            redis_url=services.redis.url(1),
            dataservice_url=services.dataservice.url,
            tokendealer=services.tokendealer,
            strava_url=services.sim.url,
            rate_limit_15min=UNLIMITED,
            rate_limit_daily=UNLIMITED,
        )
        yield stack
        for name, process in stack.processes.items():
            if errors := process.errors_in_log():
                stack.log_errors[name] = errors[:20]


@contextlib.contextmanager
def workers(
    stack: Stack,
    concurrency: int,
    *,
    row_by_row: bool,
    name: str,
    env: Mapping[str, str] | None = None,
) -> Iterator[CeleryProcess]:
    """``celery worker`` (prefork, ``concurrency`` processes) running the benchmark's
    instrumented worker module, taking both queues (a completed sync's ``fetch_streams``
    too, as one worker without ``--queues`` does), stopped warm (running tasks finish).
    ``env``: worker settings of this round on top of the stack's."""
    environ = {
        **stack.worker_env,
        **(env or {}),
        ENV_DIR: str(stack.probe_dir),
        "BENCH_SYNC_ROW_BY_ROW": "1" if row_by_row else "0",
    }
    process = start_celery_worker(
        stack.work,
        name,
        environ,
        queues="celery,streams",
        pool="prefork",
        concurrency=concurrency,
        command=module_command("benchmarks.sync.worker"),
    )
    try:
        yield process
    finally:
        process.stop(60)


def link_runners(stack: Stack, athletes: list[int], seed: int) -> dict[int, int]:
    """A new dataservice runner per athlete, linked as the web app links one (a grant from
    strava-sim, ``PUT /users/{id}/strava`` with the worker's token); runner id per athlete."""
    with psycopg.connect(libpq_url(stack.database_url)) as conn:
        emails = [f"athlete-{a}@{RUNNER_EMAIL_DOMAIN}" for a in athletes]
        ids = insert_users(conn, emails, seed)
    session = stack.tokens.authorized_session()
    sim = ServiceSession()

    def link(athlete: int, user_id: int) -> None:
        link_strava_athlete(
            sim, stack.sim_url, session, f"{stack.dataservice_url}/api/v1", user_id, athlete
        )

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(link, athletes, ids))
    return dict(zip(athletes, ids, strict=True))


def running_activities(stack: Stack, athletes: list[int]) -> dict[int, int]:
    """What a full sync must leave in the dataservice: each athlete's running activities."""
    engine = create_engine(stack.sim_database_url)
    sports = ", ".join(f"'{sport}'" for sport in sorted(RUNNING_SPORTS))
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT athlete_id, count(*) FROM activities "  # noqa: S608 - constants
                f"WHERE sport_type IN ({sports}) GROUP BY athlete_id"
            )
        ).all()
    engine.dispose()
    counts = dict(rows)
    return {athlete: counts.get(athlete, 0) for athlete in athletes}


def forget_sync(database_url: str, runner_ids: list[int]) -> None:
    """Back to linked-but-never-synced: every run in the benchmark's database gone (TRUNCATE:
    fresh tables, as in the first round, not ones full of free space) and the runners'
    links' progress cleared."""
    with psycopg.connect(libpq_url(database_url), autocommit=True) as conn:
        conn.execute("TRUNCATE runs CASCADE")
        conn.execute(
            "UPDATE strava_links SET sync_cursor = NULL, backfill_before = NULL, "
            "last_sync_at = NULL, pages_done = 0, runs_imported = 0, sync_state = 'pending', "
            "sync_error = NULL WHERE user_id = ANY(%s)",
            (runner_ids,),
        )
        conn.execute("VACUUM ANALYZE strava_links")
