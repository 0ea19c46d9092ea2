"""The processes of benchmarks/sync.py and the runners it syncs.

A private ``redis-server`` (broker and rate budget), a real tokendealer (SQLite), the
dataservice on a throw-away PostgreSQL database, strava-sim seeded with the benchmark's
athletes and its limits lifted, and Celery worker processes: each started on a free port
in a temporary folder, the way strava-worker/tests/integration/conftest.py starts them,
and always stopped.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from _redis import private_redis
from cryptography.fernet import Fernet
from dataservice_data import insert_users, libpq_url
from sqlalchemy import create_engine, text

from runnerly_common.service_client import ServiceSession, ServiceTokenClient
from runnerly_common.testing import ServiceProcess, free_port, link_strava_athlete
from strava_worker.mapping import RUNNING_SPORTS
from strava_worker.runtime import SCOPE as WORKER_SCOPE

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent  # the venv's console scripts sit next to its python
SIM_SECRET = "bench-sim-client-secret"
UNLIMITED = str(10**9)  # "limits lifted": neither the sim nor the worker's budget refuses
RUNNER_EMAIL_DOMAIN = "sync.bench.invalid"
CLIENTS = """[clients.strava-worker]
env_prefix = "STRAVA_WORKER_CLIENT"
audiences = ["dataservice"]
scope = "users:read runs:read runs:write strava:tokens reports:read"
"""


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
    processes: dict[str, ServiceProcess] = field(default_factory=dict)
    log_errors: dict[str, list[str]] = field(default_factory=dict)  # what each service logged

    @property
    def broker_url(self) -> str:
        return f"{self.redis_url}/0"


def service_env(work: Path, **env: str) -> dict[str, str]:
    """The environment of a service: ours, less other services' settings, plus ``env``."""
    prefixes = ("TOKENDEALER_", "DATASERVICE_", "STRAVA_SIM_", "STRAVA_WORKER_", "RUNNERLY_")
    base = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    return {**base, "RUNNERLY_ENV": "test", "XDG_RUNTIME_DIR": str(work), **env}


def start_tokendealer(stack: Stack, exit_stack: contextlib.ExitStack) -> dict[str, str]:
    """The tokendealer with the worker's client bootstrapped; the worker's credentials."""
    work = stack.work / "tokendealer"
    work.mkdir()
    port = free_port()
    env = service_env(
        work,
        TOKENDEALER_PORT=str(port),
        TOKENDEALER_WORKERS="1",
        TOKENDEALER_DATABASE_URL=f"sqlite:///{work}/td.db",
        TOKENDEALER_LOG_LEVEL="WARNING",
    )
    (work / "clients.toml").write_text(CLIENTS)
    command = [str(BIN / "tokendealer"), "bootstrap", "--clients", str(work / "clients.toml")]
    command += ["--env-file", str(work / "c.env")]
    subprocess.run(command, env=env, check=True, cwd=work, capture_output=True)
    creds = dict(line.split("=", 1) for line in (work / "c.env").read_text().split() if "=" in line)
    url = f"http://127.0.0.1:{port}"
    stack.processes["tokendealer"] = exit_stack.enter_context(
        ServiceProcess(
            [str(BIN / "tokendealer"), "serve"],
            ready_url=f"{url}/readyz",
            log_path=work / "tokendealer.log",
            env=env,
            cwd=work,
        )
    )
    return {
        "url": url,
        "client_id": creds["STRAVA_WORKER_CLIENT_ID"],
        "client_secret": creds["STRAVA_WORKER_CLIENT_SECRET"],
    }


def start_dataservice(
    stack: Stack, exit_stack: contextlib.ExitStack, jwks_url: str, workers: int
) -> None:
    """The dataservice (gunicorn, ``workers`` sync workers) on the throw-away database."""
    from dataservice.migrate import upgrade

    work = stack.work / "dataservice"
    work.mkdir()
    upgrade(stack.database_url)
    port = free_port()
    env = service_env(
        work,
        DATASERVICE_DATABASE_URL=stack.database_url,
        DATASERVICE_JWKS_URL=jwks_url,
        DATASERVICE_STRAVA_TOKEN_KEYS=Fernet.generate_key().decode(),
        DATASERVICE_PORT=str(port),
        DATASERVICE_WORKERS=str(workers),
        BENCH_SYNC_PROBE_DIR=str(stack.probe_dir),
    )
    stack.dataservice_url = f"http://127.0.0.1:{port}"
    stack.processes["dataservice"] = exit_stack.enter_context(
        ServiceProcess(
            [sys.executable, str(HERE / "_sync_serve.py"), "dataservice"],
            ready_url=f"{stack.dataservice_url}/readyz",
            log_path=work / "dataservice.log",
            env=env,
            cwd=work,
        )
    )


def start_strava_sim(
    stack: Stack, exit_stack: contextlib.ExitStack, athletes: int, per_athlete: int, workers: int
) -> None:
    """strava-sim with ``athletes`` x ``per_athlete`` activities (seeded first, timed) and
    every rate limit lifted."""
    work = stack.work / "strava-sim"
    work.mkdir()
    port = free_port()
    env = service_env(
        work,
        STRAVA_SIM_PORT=str(port),
        STRAVA_SIM_WORKERS=str(workers),
        STRAVA_SIM_CLIENT_SECRET=SIM_SECRET,
        STRAVA_SIM_DATABASE_URL=stack.sim_database_url,
        STRAVA_SIM_ATHLETES=str(athletes),
        STRAVA_SIM_YEARS="1",
        STRAVA_SIM_ACTIVITIES_PER_YEAR=str(per_athlete),
        STRAVA_SIM_RATE_LIMIT_15MIN=UNLIMITED,
        STRAVA_SIM_RATE_LIMIT_DAILY=UNLIMITED,
        STRAVA_SIM_RATE_LIMIT_OVERALL_15MIN=UNLIMITED,
        STRAVA_SIM_RATE_LIMIT_OVERALL_DAILY=UNLIMITED,
        BENCH_SYNC_PROBE_DIR=str(stack.probe_dir),
    )
    seeded = subprocess.run(
        [str(BIN / "strava-sim"), "reset"], env=env, cwd=work, check=True, capture_output=True
    )
    stack.seeding = json.loads(seeded.stdout.decode().strip().splitlines()[-1])
    stack.sim_url = f"http://127.0.0.1:{port}"
    stack.processes["strava-sim"] = exit_stack.enter_context(
        ServiceProcess(
            [sys.executable, str(HERE / "_sync_serve.py"), "strava-sim"],
            ready_url=f"{stack.sim_url}/admin/rate-limits",
            log_path=work / "strava-sim.log",
            env=env,
            cwd=work,
            timeout=120,
        )
    )


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
    stack = Stack(
        work=work,
        database_url=database_url,
        sim_database_url=f"sqlite:///{work}/strava-sim/sim.db",
        probe_dir=work / "probes",
    )
    stack.probe_dir.mkdir()
    with contextlib.ExitStack() as exit_stack:
        stack.redis_url, stack.redis_pid = exit_stack.enter_context(private_redis(work))
        creds = start_tokendealer(stack, exit_stack)
        start_dataservice(
            stack, exit_stack, f"{creds['url']}/.well-known/jwks.json", dataservice_workers
        )
        start_strava_sim(stack, exit_stack, athletes, per_athlete, sim_workers)
        stack.worker_env = {
            "STRAVA_WORKER_BROKER_URL": stack.broker_url,
            "STRAVA_WORKER_REDIS_URL": f"{stack.redis_url}/1",
            "STRAVA_WORKER_DATASERVICE_URL": stack.dataservice_url,
            "STRAVA_WORKER_TOKEN_URL": f"{creds['url']}/oauth/token",
            "STRAVA_WORKER_CLIENT_ID": creds["client_id"],
            "STRAVA_WORKER_CLIENT_SECRET": creds["client_secret"],
            "STRAVA_WORKER_STRAVA_API_URL": f"{stack.sim_url}/api/v3",
            "STRAVA_WORKER_STRAVA_OAUTH_URL": f"{stack.sim_url}/oauth",
            "STRAVA_WORKER_STRAVA_CLIENT_ID": "1000",
            "STRAVA_WORKER_STRAVA_CLIENT_SECRET": SIM_SECRET,
            "STRAVA_WORKER_RATE_LIMIT_15MIN": UNLIMITED,
            "STRAVA_WORKER_RATE_LIMIT_DAILY": UNLIMITED,
        }
        yield stack
        for name, process in stack.processes.items():
            if errors := process.errors_in_log():
                stack.log_errors[name] = errors[:20]


class Workers:
    """``celery worker`` (prefork, ``concurrency`` processes) running the benchmark's
    instrumented worker module; its log tells when it is ready."""

    def __init__(
        self,
        stack: Stack,
        concurrency: int,
        *,
        row_by_row: bool,
        name: str,
        env: dict[str, str] | None = None,
    ) -> None:
        """``env``: worker settings of this round on top of the stack's."""
        self.log_path = stack.work / f"{name}.log"
        self.env = service_env(
            stack.work,
            **stack.worker_env,
            **(env or {}),
            BENCH_SYNC_PROBE_DIR=str(stack.probe_dir),
            BENCH_SYNC_ROW_BY_ROW="1" if row_by_row else "0",
        )
        self.command = [sys.executable, str(HERE / "_sync_worker.py"), "worker"]
        self.command += [f"--concurrency={concurrency}", "--pool=prefork", "--loglevel=INFO"]
        self.command += ["--without-heartbeat", "--without-gossip", "--without-mingle"]
        self.command += [f"--hostname={name}@%h"]
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Workers:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=self.log_path.parent,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while " ready." not in self.log():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the Celery worker did not start:\n" + self.log()[-3000:])
            time.sleep(0.1)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()  # warm shutdown: running tasks finish
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def errors(self) -> list[str]:
        return [
            line
            for line in self.log().splitlines()
            if '"level": "ERROR"' in line
            or '"level": "CRITICAL"' in line
            or line.startswith("Traceback")
        ]


def link_runners(stack: Stack, athletes: list[int], seed: int) -> dict[int, int]:
    """A new dataservice runner per athlete, linked as the web app links one (a grant from
    strava-sim, ``PUT /users/{id}/strava`` with the worker's token); runner id per athlete."""
    with psycopg.connect(libpq_url(stack.database_url)) as conn:
        emails = [f"athlete-{a}@{RUNNER_EMAIL_DOMAIN}" for a in athletes]
        ids = insert_users(conn, emails, seed)
    tokens = ServiceTokenClient(
        stack.worker_env["STRAVA_WORKER_TOKEN_URL"],
        stack.worker_env["STRAVA_WORKER_CLIENT_ID"],
        stack.worker_env["STRAVA_WORKER_CLIENT_SECRET"],
        audience="dataservice",
        scope=WORKER_SCOPE,
    )
    session = tokens.authorized_session()
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
