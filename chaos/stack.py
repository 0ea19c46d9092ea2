"""The whole suite for one test process: every service a real process on a free port of its
own, in a temporary folder, each one killable and restartable on the same port.

A private ``redis-server`` (AOF on: broker DB 0, the worker's budget and locks DB 1), the
tokendealer (SQLite, the suite's config/clients.toml), the dataservice (2 gunicorn workers)
on a throw-away PostgreSQL database, strava-sim seeded with ``athletes`` x a few hundred
activities (its limits lifted, each Strava call slowed so a sync spans a fault), two Celery
workers (prefork, concurrency 1) and beat with short intervals, runnerly-web (2 workers),
and the gateway (real nginx with our Lua) in front of web, dataservice and tokendealer.

``start_stack`` is written so the near-copies in strava-worker's integration conftest,
runnerly-web's conftest, benchmarks/_sync_stack.py and the e2e stack can use its parts.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from cryptography.fernet import Fernet
from processes import CeleryProcess, RedisServer, Service

from runnerly_common.service_client import ServiceTokenClient
from runnerly_common.testing import free_port
from runnerly_gateway.render import nginx_command, prepare
from runnerly_gateway.settings import GatewaySettings

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SIM_SECRET = "chaos-sim-client-secret"
UNLIMITED = str(10**9)
WORKER_SCOPE = "users:read runs:read runs:write strava:tokens reports:read"
WEB_SCOPE = "users:read users:write strava:tokens"
# The worker's timings, short so that recovery takes seconds (strava-worker/README.md):
# a killed worker's task comes back after VISIBILITY_TIMEOUT, its runner's lock has
# expired by then (LOCK_SECONDS at most half of it), retries wait at most
# RETRY_BACKOFF_MAX, and beat re-enqueues every linked runner each SYNC_INTERVAL.
WORKER_TIMINGS = {
    "VISIBILITY_TIMEOUT": "20",
    "LOCK_SECONDS": "10",
    "RETRY_BACKOFF_MAX": "3",
    "SYNC_INTERVAL": "10",
    "MAX_FAILURES": "60",  # a minute of outage at the longest backoff, never "error"
    "PER_PAGE": "20",  # a few hundred activities make a dozen pages or more
    "MAX_PAGES_PER_RUN": "3",
}


@dataclass
class Stack:
    work: Path
    database_url: str
    services: dict[str, Any] = field(default_factory=dict)  # name -> Service & co.
    urls: dict[str, str] = field(default_factory=dict)
    credentials: dict[str, str] = field(default_factory=dict)
    worker_env: dict[str, str] = field(default_factory=dict)
    athletes: int = 0
    dataservice_port: int = 0  # chosen before the tokendealer starts: it asks there
    _next_athlete: int = 1

    @property
    def gateway(self) -> str:
        return self.urls["gateway"]

    def service(self, name: str) -> Any:
        return self.services[name]

    def next_athletes(self, count: int) -> list[int]:
        """Strava-sim athletes nobody linked yet (each scenario syncs fresh ones)."""
        start = self._next_athlete
        if start + count - 1 > self.athletes:
            raise RuntimeError(f"strava-sim was seeded with {self.athletes} athletes only")
        self._next_athlete += count
        return list(range(start, start + count))

    def worker_tokens(self) -> ServiceTokenClient:
        """The worker's client: what it asks the tokendealer for (runs, Strava tokens)."""
        return ServiceTokenClient(
            f"{self.urls['tokendealer']}/oauth/token",
            self.credentials["STRAVA_WORKER_CLIENT_ID"],
            self.credentials["STRAVA_WORKER_CLIENT_SECRET"],
            audience="dataservice",
            scope=WORKER_SCOPE,
        )

    def web_tokens(self) -> ServiceTokenClient:
        return ServiceTokenClient(
            f"{self.urls['tokendealer']}/oauth/token",
            self.credentials["RUNNERLY_WEB_CLIENT_ID"],
            self.credentials["RUNNERLY_WEB_CLIENT_SECRET"],
            audience="dataservice",
            scope=WEB_SCOPE,
        )

    def enqueue_sync(self, user_ids: list[int]) -> None:
        """What connecting Strava in the web app does: a ``sync_runner`` per runner, now."""
        from celery import Celery

        from runnerly_common.tasks import SYNC_RUNNER

        app = Celery(broker=self.worker_env["STRAVA_WORKER_BROKER_URL"])
        try:
            for user_id in user_ids:
                SYNC_RUNNER.send(app, {"user_id": user_id})
        finally:
            app.close()


def service_env(work: Path, **env: str) -> dict[str, str]:
    """A service's environment: ours, less any other service's settings, plus ``env``."""
    prefixes = (
        "TOKENDEALER_",
        "DATASERVICE_",
        "STRAVA_SIM_",
        "STRAVA_WORKER_",
        "RUNNERLY_",
        "GATEWAY_",
        "PROMETHEUS_MULTIPROC_DIR",
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    return {**base, "RUNNERLY_ENV": "test", "PYTHONUNBUFFERED": "1", **env}


def _env_file(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {k.strip(): v.strip() for k, v in pairs if not k.startswith("#")}


def start_redis(stack: Stack, binary: str) -> None:
    work = stack.work / "redis"
    work.mkdir()
    server = RedisServer(binary, work, free_port())
    server.start()
    stack.services["redis"] = server
    stack.urls["redis"] = f"redis://127.0.0.1:{server.port}"


def _new_service(stack: Stack, name: str) -> tuple[Path, int]:
    """A folder of its own (its files, logs, cwd) and a free port for service ``name``."""
    work = stack.work / name
    work.mkdir()
    return work, free_port()


def _start_service(
    stack: Stack,
    name: str,
    command: list[str],
    *,
    port: int,
    ready_path: str,
    log_path: Path,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 30,
) -> str:
    """Start ``name`` on 127.0.0.1:``port``, wait until ``ready_path`` answers, and register
    it on the stack (so scenarios can kill it and ``start_stack`` stops it); its URL."""
    url = f"http://127.0.0.1:{port}"
    service = Service(
        name,
        command,
        ready_url=f"{url}{ready_path}",
        log_path=log_path,
        env=env,
        cwd=cwd,
        timeout=timeout,
    )
    service.start()
    stack.services[name] = service
    stack.urls[name] = url
    return url


def _serve(
    stack: Stack,
    name: str,
    binary: str,
    work: Path,
    port: int,
    env: dict[str, str],
    ready_path: str,
    timeout: float = 30,
) -> str:
    """One of our gunicorn services: ``<binary> serve`` in its folder, logging there."""
    command = [str(BIN / binary), "serve"]
    log_path = work / f"{name}.log"
    return _start_service(
        stack,
        name,
        command,
        port=port,
        ready_path=ready_path,
        log_path=log_path,
        env=env,
        cwd=work,
        timeout=timeout,
    )


def start_tokendealer(stack: Stack) -> None:
    """The tokendealer with the suite's clients bootstrapped; tokens live long enough that
    the ones cached before an outage are still good during it."""
    work, port = _new_service(stack, "tokendealer")
    lifetimes = {"TOKENDEALER_ACCESS_TOKEN_TTL": "3600", "TOKENDEALER_USER_TOKEN_TTL": "3600"}
    # Token exchange asks the dataservice about runners: it will listen on this port.
    stack.dataservice_port = free_port()
    env = service_env(
        work,
        TOKENDEALER_PORT=str(port),
        # Two: one may wait on the dataservice while the other serves it the JWKS.
        TOKENDEALER_WORKERS="2",
        TOKENDEALER_DATABASE_URL=f"sqlite:///{work}/td.db",
        TOKENDEALER_DATASERVICE_URL=f"http://127.0.0.1:{stack.dataservice_port}",
        TOKENDEALER_LOG_LEVEL="WARNING",
        **lifetimes,
    )
    command = [
        str(BIN / "tokendealer"),
        "bootstrap",
        "--clients",
        str(ROOT / "config/clients.toml"),
    ]
    command += ["--env-file", str(work / "c.env")]
    subprocess.run(command, env=env, check=True, cwd=work, capture_output=True)
    stack.credentials.update(_env_file(work / "c.env"))
    _serve(stack, "tokendealer", "tokendealer", work, port, env, "/readyz")


def start_dataservice(stack: Stack, workers: int = 2) -> None:
    work, _ = _new_service(stack, "dataservice")
    port = stack.dataservice_port  # the one the tokendealer was told
    env = service_env(
        work,
        DATASERVICE_DATABASE_URL=stack.database_url,
        DATASERVICE_JWKS_URL=f"{stack.urls['tokendealer']}/.well-known/jwks.json",
        DATASERVICE_STRAVA_TOKEN_KEYS=Fernet.generate_key().decode(),
        DATASERVICE_PORT=str(port),
        DATASERVICE_WORKERS=str(workers),
        DATASERVICE_LOG_LEVEL="WARNING",
    )
    migrate = [str(BIN / "dataservice"), "migrate"]
    subprocess.run(migrate, env=env, check=True, cwd=work, capture_output=True)
    _serve(stack, "dataservice", "dataservice", work, port, env, "/readyz")


def start_strava_sim(stack: Stack, athletes: int, per_athlete: int, latency_ms: int) -> None:
    """strava-sim seeded with ``athletes`` x ``per_athlete`` activities (a year of them),
    every rate limit lifted, and each metered call ``latency_ms`` slower."""
    work, port = _new_service(stack, "strava-sim")
    env = service_env(
        work,
        STRAVA_SIM_PORT=str(port),
        STRAVA_SIM_WORKERS="2",
        STRAVA_SIM_CLIENT_SECRET=SIM_SECRET,
        STRAVA_SIM_DATABASE_URL=f"sqlite:///{work}/sim.db",
        STRAVA_SIM_ATHLETES=str(athletes),
        STRAVA_SIM_YEARS="1",
        STRAVA_SIM_ACTIVITIES_PER_YEAR=str(per_athlete),
        STRAVA_SIM_RATE_LIMIT_15MIN=UNLIMITED,
        STRAVA_SIM_RATE_LIMIT_DAILY=UNLIMITED,
        STRAVA_SIM_RATE_LIMIT_OVERALL_15MIN=UNLIMITED,
        STRAVA_SIM_RATE_LIMIT_OVERALL_DAILY=UNLIMITED,
        STRAVA_SIM_LOG_LEVEL="WARNING",
    )
    # Seeding the athletes' activities takes longer than a plain start.
    url = _serve(
        stack, "strava-sim", "strava-sim", work, port, env, "/admin/rate-limits", timeout=120
    )
    stack.athletes = athletes
    if latency_ms:
        faults = {"error_rate": 0, "latency_ms": latency_ms, "seed": 1}
        requests.post(f"{url}/admin/faults", json=faults, timeout=5).raise_for_status()


def start_celery(stack: Stack, workers: int = 2) -> None:
    """``workers`` Celery workers of the sync queue and one of the streams queue (prefork,
    one child each), and beat."""
    work = stack.work / "celery"
    work.mkdir()
    tokendealer = stack.urls["tokendealer"]
    sim = stack.urls["strava-sim"]
    stack.worker_env = {
        "STRAVA_WORKER_BROKER_URL": f"{stack.urls['redis']}/0",
        "STRAVA_WORKER_REDIS_URL": f"{stack.urls['redis']}/1",
        "STRAVA_WORKER_DATASERVICE_URL": stack.urls["dataservice"],
        "STRAVA_WORKER_TOKEN_URL": f"{tokendealer}/oauth/token",
        "STRAVA_WORKER_CLIENT_ID": stack.credentials["STRAVA_WORKER_CLIENT_ID"],
        "STRAVA_WORKER_CLIENT_SECRET": stack.credentials["STRAVA_WORKER_CLIENT_SECRET"],
        "STRAVA_WORKER_STRAVA_API_URL": f"{sim}/api/v3",
        "STRAVA_WORKER_STRAVA_OAUTH_URL": f"{sim}/oauth",
        "STRAVA_WORKER_STRAVA_CLIENT_ID": "1000",
        "STRAVA_WORKER_STRAVA_CLIENT_SECRET": SIM_SECRET,
        "STRAVA_WORKER_RATE_LIMIT_15MIN": UNLIMITED,
        "STRAVA_WORKER_RATE_LIMIT_DAILY": UNLIMITED,
        "STRAVA_WORKER_BUDGET_PATH": str(work / "budget.db"),
        **{f"STRAVA_WORKER_{name}": value for name, value in WORKER_TIMINGS.items()},
    }
    flags = ["--pool=prefork", "--concurrency=1", "--without-gossip", "--without-mingle"]
    # The sync workers and one streams worker, each on its queue, as the launchers run them
    # (docs/decisions.md, 32): with Strava's limits lifted the streams' budget share never
    # stops them, and on a sync worker they kept a new sync waiting beyond a scenario's
    # minute.
    queues = {f"worker-{number}": "celery" for number in range(1, workers + 1)}
    for name, queue in {**queues, "streams": "streams"}.items():
        env = service_env(
            work,
            **stack.worker_env,
            # Its own /metrics port, kept across restarts.
            STRAVA_WORKER_METRICS_PORT=str(free_port()),
        )
        command = ["worker", *flags, f"--queues={queue}", f"--hostname={name}@%h"]
        worker = CeleryProcess(name, command, env, work)
        worker.start()
        stack.services[name] = worker
    beat_env = service_env(work, **stack.worker_env, STRAVA_WORKER_METRICS_PORT="0")
    schedule = str(work / "beat-schedule")
    beat = CeleryProcess("beat", ["beat", "--schedule", schedule], beat_env, work)
    beat.start()
    stack.services["beat"] = beat


def start_web(stack: Stack, workers: int = 2) -> None:
    work, port = _new_service(stack, "web")
    sim = stack.urls["strava-sim"]
    env = service_env(
        work,
        RUNNERLY_WEB_PORT=str(port),
        RUNNERLY_WEB_WORKERS=str(workers),
        RUNNERLY_WEB_SECRET_KEY=uuid.uuid4().hex,
        RUNNERLY_WEB_DATASERVICE_URL=stack.urls["dataservice"],
        RUNNERLY_WEB_TOKEN_URL=f"{stack.urls['tokendealer']}/oauth/token",
        RUNNERLY_WEB_CLIENT_ID=stack.credentials["RUNNERLY_WEB_CLIENT_ID"],
        RUNNERLY_WEB_CLIENT_SECRET=stack.credentials["RUNNERLY_WEB_CLIENT_SECRET"],
        RUNNERLY_WEB_STRAVA_OAUTH_URL=f"{sim}/oauth",
        RUNNERLY_WEB_STRAVA_CLIENT_SECRET=SIM_SECRET,
        RUNNERLY_WEB_THROTTLE_DB=str(work / "throttle.db"),
        RUNNERLY_WEB_FRONTEND_DIST=str(work / "no-build"),
        RUNNERLY_WEB_TRUSTED_PROXIES="1",
        # Every test browser comes from 127.0.0.1.
        RUNNERLY_WEB_LOGIN_MAX_PER_ADDRESS="10000",
        RUNNERLY_WEB_LOG_LEVEL="WARNING",
    )
    _serve(stack, "web", "runnerly-web", work, port, env, "/healthz")


def start_gateway(stack: Stack) -> None:
    """nginx with the gateway's Lua layer (the ``test`` target: logs in the prefix)."""
    prefix, port = _new_service(stack, "gateway")
    settings = GatewaySettings.load(
        environ={},
        env="test",
        target="test",
        prefix=str(prefix),
        port=port,
        status_port=free_port(),
        web_upstream=(stack.urls["web"].removeprefix("http://"),),
        dataservice_upstream=(stack.urls["dataservice"].removeprefix("http://"),),
        tokendealer_upstream=(stack.urls["tokendealer"].removeprefix("http://"),),
        webhook_upstream=(f"127.0.0.1:{free_port()}",),  # no webhook intake here
    )
    conf = prepare(settings)
    _start_service(
        stack,
        "gateway",
        nginx_command(settings, conf),
        port=settings.port,
        ready_path="/_gateway/healthz",
        log_path=prefix / "logs" / "nginx.out",
        timeout=20,
    )


@contextlib.contextmanager
def start_stack(
    work: Path,
    database_url: str,
    redis_binary: str,
    *,
    athletes: int = 12,
    activities_per_athlete: int = 300,
    sim_latency_ms: int = 200,
) -> Iterator[Stack]:
    """Start everything (dependencies first), yield the :class:`Stack`, stop everything."""
    stack = Stack(work=work, database_url=database_url)
    try:
        start_redis(stack, redis_binary)
        start_tokendealer(stack)
        start_dataservice(stack)
        start_strava_sim(stack, athletes, activities_per_athlete, sim_latency_ms)
        start_celery(stack)
        start_web(stack)
        start_gateway(stack)
        yield stack
    finally:
        for service in reversed(list(stack.services.values())):
            with contextlib.suppress(Exception):
                service.stop()
