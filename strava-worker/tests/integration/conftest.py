"""The whole path for real: tokendealer, dataservice, strava-sim and Celery worker processes,
with Redis as the broker (DB 11) and as the shared rate budget (DB 12).

That Redis is a ``redis-server`` of the test session's own (each pytest-xdist process has
one), so two sessions on one machine never flush or consume each other's tasks;
``RUNNERLY_TEST_REDIS_URL`` names an existing Redis instead (then gw1 takes DBs 13 and 14).
Services are started once per session; each test gets its own runner and Strava athlete
and a fresh worker (started with the test's rate limits).  Without Redis the tests skip,
except in CI where they fail.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
import requests
from cryptography.fernet import Fernet

from runnerly_common.testing import (
    ServiceProcess,
    free_port,
    link_strava_athlete,
    skip_or_fail,
)
from strava_worker.redis_store import RedisStore
from strava_worker.settings import WorkerSettings
from strava_worker.subscription import ensure_subscription

from .helpers import RedisServer, Runner, Worker

BIN = Path(sys.executable).parent
SHARED_REDIS = os.environ.get("RUNNERLY_TEST_REDIS_URL", "")
# The private server's port is chosen now: BROKER and BUDGET are constants tests import.
REDIS = SHARED_REDIS or f"redis://127.0.0.1:{free_port()}"
# In a shared Redis, parallel test processes must not flush each other's queue.
_XDIST = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
if SHARED_REDIS and _XDIST > 1:
    raise pytest.UsageError("in RUNNERLY_TEST_REDIS_URL the tests use DBs 11 to 14: -n 2 at most")
_DB = 2 * _XDIST if SHARED_REDIS else 0
BROKER, BUDGET = f"{REDIS}/{11 + _DB}", f"{REDIS}/{12 + _DB}"
WINDOW = 20  # seconds: the sim's and the worker's "15 minutes"
SUBSCRIPTION_KEY = b"strava-worker:webhook:subscription"
SIM_SECRET = "sim-client-secret"
CLIENTS = """[clients.strava-worker]
env_prefix = "STRAVA_WORKER_CLIENT"
audiences = ["dataservice"]
scope = "users:read runs:read runs:write strava:tokens reports:read"
"""


def _redis_server_binary() -> str:
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).exists():
        skip_or_fail("redis-server is not installed")
    return binary


@pytest.fixture(scope="session")
def redis_ready(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    if SHARED_REDIS:
        try:
            redis.Redis.from_url(BROKER, socket_connect_timeout=1).ping()
        except redis.RedisError as exc:
            skip_or_fail(f"Redis not reachable at {REDIS}: {exc}")
        yield
        return
    port = int(REDIS.rsplit(":", 1)[1])
    server = RedisServer(_redis_server_binary(), tmp_path_factory.mktemp("redis"), port)
    server.start()
    yield
    server.stop()


def _env_file(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {k.strip(): v.strip() for k, v in pairs if not k.startswith("#")}


@pytest.fixture(scope="session")
def tokendealer(redis_ready: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    work = tmp_path_factory.mktemp("tokendealer")
    port = free_port()
    env = {
        **os.environ,
        "RUNNERLY_ENV": "test",
        "TOKENDEALER_PORT": str(port),
        "TOKENDEALER_WORKERS": "1",
        "TOKENDEALER_DATABASE_URL": f"sqlite:///{work}/td.db",
        "TOKENDEALER_LOG_LEVEL": "WARNING",
    }
    (work / "clients.toml").write_text(CLIENTS)
    command = [str(BIN / "tokendealer"), "bootstrap", "--clients", str(work / "clients.toml")]
    subprocess.run([*command, "--env-file", str(work / "c.env")], env=env, check=True, cwd=work)
    creds = _env_file(work / "c.env")
    base = f"http://127.0.0.1:{port}"
    with ServiceProcess(
        [str(BIN / "tokendealer"), "serve"],
        ready_url=f"{base}/readyz",
        log_path=work / "tokendealer.log",
        env=env,
        cwd=work,
    ):
        yield {
            "url": base,
            "client_id": creds["STRAVA_WORKER_CLIENT_ID"],
            "client_secret": creds["STRAVA_WORKER_CLIENT_SECRET"],
        }


@pytest.fixture(scope="session")
def dataservice(tokendealer: dict, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    work = tmp_path_factory.mktemp("dataservice")
    port = free_port()
    env = {
        **os.environ,
        "RUNNERLY_ENV": "test",
        "DATASERVICE_DATABASE_URL": f"sqlite:///{work}/ds.db",
        "DATASERVICE_JWKS_URL": f"{tokendealer['url']}/.well-known/jwks.json",
        "DATASERVICE_STRAVA_TOKEN_KEYS": Fernet.generate_key().decode(),
        "DATASERVICE_PORT": str(port),
        "DATASERVICE_WORKERS": "2",
        "DATASERVICE_LOG_LEVEL": "WARNING",
    }
    subprocess.run([str(BIN / "dataservice"), "migrate"], env=env, check=True, cwd=work)
    base = f"http://127.0.0.1:{port}"
    with ServiceProcess(
        [str(BIN / "dataservice"), "serve"],
        ready_url=f"{base}/readyz",
        log_path=work / "dataservice.log",
        env=env,
        cwd=work,
    ) as server:
        # ``process`` lets a test stop and restart it (same port, same database).
        yield {"url": base, "env": env, "cwd": work, "process": server}


@pytest.fixture(scope="session")
def sim(redis_ready: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    work = tmp_path_factory.mktemp("sim")
    port = free_port()
    env = {
        **os.environ,
        "RUNNERLY_ENV": "test",
        "STRAVA_SIM_PORT": str(port),
        "STRAVA_SIM_WORKERS": "2",
        "STRAVA_SIM_CLIENT_SECRET": SIM_SECRET,
        # One per test that needs a runner, with the whole suite in one process (tox splits
        # it in two).
        "STRAVA_SIM_ATHLETES": "36",
        "STRAVA_SIM_RATE_WINDOW_SECONDS": str(WINDOW),
        "STRAVA_SIM_DATABASE_URL": f"sqlite:///{work}/sim.db",
        "STRAVA_SIM_LOG_LEVEL": "WARNING",
    }
    base = f"http://127.0.0.1:{port}"
    with ServiceProcess(
        [str(BIN / "strava-sim"), "serve"],
        ready_url=f"{base}/admin/athletes",
        log_path=work / "sim.log",
        env=env,
        cwd=work,
        timeout=120,
    ):
        yield base


@pytest.fixture(scope="session")
def worker_env(tokendealer: dict, dataservice: dict, sim: str) -> dict[str, str]:
    return {
        "RUNNERLY_ENV": "test",
        "STRAVA_WORKER_BROKER_URL": BROKER,
        "STRAVA_WORKER_REDIS_URL": BUDGET,
        "STRAVA_WORKER_DATASERVICE_URL": dataservice["url"],
        "STRAVA_WORKER_TOKEN_URL": f"{tokendealer['url']}/oauth/token",
        "STRAVA_WORKER_CLIENT_ID": tokendealer["client_id"],
        "STRAVA_WORKER_CLIENT_SECRET": tokendealer["client_secret"],
        "STRAVA_WORKER_STRAVA_API_URL": f"{sim}/api/v3",
        "STRAVA_WORKER_STRAVA_OAUTH_URL": f"{sim}/oauth",
        "STRAVA_WORKER_STRAVA_CLIENT_ID": "1000",
        "STRAVA_WORKER_STRAVA_CLIENT_SECRET": SIM_SECRET,
        "STRAVA_WORKER_RATE_WINDOW_SECONDS": str(WINDOW),
        "STRAVA_WORKER_MAX_FAILURES": "20",
        # A drain per athlete at most every 2 s: events in a test arrive seconds apart.
        "STRAVA_WORKER_EVENT_INTERVAL": "2",
    }


@pytest.fixture
def start_worker(worker_env: dict, tmp_path: Path) -> Iterator[Callable[..., Worker]]:
    redis.Redis.from_url(BROKER).flushdb()  # no task left over from another test
    budget = redis.Redis.from_url(BUDGET)
    # Only the worker's keys: the unit tests share this DB under prefixes of their own.
    # The subscription's id stays: the session's webhook fixture created it once.
    for key in budget.scan_iter(match="strava-worker:*"):
        if key != SUBSCRIPTION_KEY:
            budget.delete(key)
    workers: list[Worker] = []

    def _start(
        role: str = "worker", pool: str = "solo", queues: str = "celery", **settings: str
    ) -> Worker:
        """A sync worker by default (the ``celery`` queue): the streams a completed sync
        sends wait in the ``streams`` queue, taken only by ``queues="streams"``, so a test
        timing syncs or counting their Strava requests sees the syncs' own."""
        # Its own /metrics port: the dev stack's 5006 may be taken, and tests run in parallel.
        settings.setdefault("metrics_port", str(free_port()))
        env = {**worker_env, **{f"STRAVA_WORKER_{k.upper()}": v for k, v in settings.items()}}
        worker = Worker(env, tmp_path / f"{role}{len(workers)}.log", role, pool, queues)
        workers.append(worker)
        worker.start()
        return worker

    yield _start
    for worker in workers:
        worker.stop()


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis of the test's own, for faults that would disturb the session's."""
    server = RedisServer(_redis_server_binary(), tmp_path)
    server.start()
    yield server
    server.stop()


_athletes = iter(range(1, 100))


@pytest.fixture
def runner(dataservice: dict, sim: str, worker_env: dict) -> Runner:
    from runnerly_common.service_client import ServiceTokenClient

    athlete = next(_athletes)
    email = f"runner{athlete}@example.org"
    env = {**dataservice["env"], "PW": "correct horse battery staple"}
    created = subprocess.run(
        [str(BIN / "dataservice"), "ensure-user", email, "--password-env", "PW"],
        env=env,
        cwd=dataservice["cwd"],
        check=True,
        capture_output=True,
        text=True,
    )
    user_id = json.loads(created.stdout.strip().splitlines()[-1])["id"]
    tokens = ServiceTokenClient(
        worker_env["STRAVA_WORKER_TOKEN_URL"],
        worker_env["STRAVA_WORKER_CLIENT_ID"],
        worker_env["STRAVA_WORKER_CLIENT_SECRET"],
        audience="dataservice",
        scope="users:read runs:read runs:write strava:tokens reports:read",
    )
    session = tokens.authorized_session()
    link_strava_athlete(
        requests.Session(),
        sim,
        session,
        f"{dataservice['url']}/api/v1",
        user_id,
        athlete,
        timeout=5,
    )
    return Runner(dataservice["url"], sim, session, user_id, athlete)


VERIFY_TOKEN = "webhook-verify-token"


@pytest.fixture(scope="session")
def webhook(worker_env: dict, sim: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``strava-webhook`` subscribed to strava-sim's push events."""
    work = tmp_path_factory.mktemp("webhook")
    port = free_port()
    env = {
        **os.environ,
        **worker_env,
        "STRAVA_WORKER_PORT": str(port),
        "STRAVA_WORKER_WORKERS": "1",
        "STRAVA_WORKER_WEBHOOK_VERIFY_TOKEN": VERIFY_TOKEN,
    }
    base = f"http://127.0.0.1:{port}"
    with ServiceProcess(
        [str(BIN / "strava-webhook")],
        ready_url=f"{base}/healthz",
        log_path=work / "webhook.log",
        env=env,
        cwd=work,
    ) as server:
        settings = WorkerSettings.load(environ=env, webhook_callback_url=f"{base}/webhook")
        # As the subscribe_webhook task does: the id goes to the store strava-webhook reads.
        store = RedisStore.from_url(BUDGET)
        first = ensure_subscription(settings, store)
        assert ensure_subscription(settings, store) == first  # one per application, kept
        assert store.subscription_id() == first
        yield base
        assert not server.errors_in_log(), server.log()
