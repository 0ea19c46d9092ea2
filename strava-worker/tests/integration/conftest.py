"""The whole path for real: tokendealer, dataservice, strava-sim and Celery worker processes
(the harness's starters), with Redis as the broker (DB 11) and as the shared rate budget
(DB 12).

That Redis is a ``redis-server`` of the test session's own (each pytest-xdist process has
one), so two sessions on one machine never flush or consume each other's tasks;
``RUNNERLY_TEST_REDIS_URL`` names an existing Redis instead (then gw1 takes DBs 13 and 14).
Services are started once per session, and a sync worker of default settings
(:class:`SharedWorker`); each test gets its own runner and Strava athlete, and a fresh
worker where it asks for other settings (its rate limits, its pool).  Without Redis the tests skip,
except in CI where they fail.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
import requests

from runnerly_common.service_client import ServiceTokenClient
from runnerly_common.testing import (
    CeleryProcess,
    ServiceUnavailable,
    free_port,
    link_strava_athlete,
    skip_or_fail,
)
from runnerly_common.testing.redis import RedisServer, shared_redis
from runnerly_common.testing.services import (
    SIM_SECRET,
    Dataservice,
    Tokendealer,
    start_celery_beat,
    start_celery_worker,
    start_dataservice,
    start_strava_sim,
    start_tokendealer,
    start_webhook,
    worker_environ,
)
from strava_worker.redis_store import RedisStore
from strava_worker.settings import WorkerSettings
from strava_worker.subscription import ensure_subscription

from .helpers import Runner, Worker

__all__ = ["SIM_SECRET"]  # strava-sim's client secret, which the tests import from here
SHARED_REDIS = os.environ.get("RUNNERLY_TEST_REDIS_URL", "").rstrip("/")
# The private server's port is chosen now: BROKER and BUDGET are constants tests import.
REDIS = SHARED_REDIS or f"redis://127.0.0.1:{free_port()}"
# In a shared Redis, parallel test processes must not flush each other's queue.
_XDIST = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
if SHARED_REDIS and _XDIST > 1:
    raise pytest.UsageError("in RUNNERLY_TEST_REDIS_URL the tests use DBs 11 to 14: -n 2 at most")
_DB = 2 * _XDIST if SHARED_REDIS else 0
BROKER, BUDGET = f"{REDIS}/{11 + _DB}", f"{REDIS}/{12 + _DB}"
WINDOW = 10  # seconds: the sim's and the worker's "15 minutes"
SUBSCRIPTION_KEY = b"strava-worker:webhook:subscription"
WORKER_SCOPE = "users:read runs:read runs:write strava:tokens reports:read"
# The worker, and the tests' own client: they make their runners through the API (a CLI
# process per runner would cost seconds each), with what the worker itself may not do.
CLIENTS = f"""[clients.strava-worker]
env_prefix = "STRAVA_WORKER_CLIENT"
audiences = ["dataservice"]
scope = "{WORKER_SCOPE}"

[clients.integration-tests]
env_prefix = "INTEGRATION_TESTS_CLIENT"
audiences = ["dataservice"]
scope = "users:read users:write"
"""
LOG_LEVEL = os.environ.get("SW_TEST_LOGLEVEL", "INFO")


@pytest.fixture(scope="session")
def redis_ready(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    if SHARED_REDIS:
        try:
            shared_redis(11 + _DB)
        except ServiceUnavailable as exc:
            skip_or_fail(str(exc))
        yield
        return
    try:
        server = RedisServer(tmp_path_factory.mktemp("redis"), port=int(REDIS.rsplit(":", 1)[1]))
    except ServiceUnavailable as exc:
        skip_or_fail(str(exc))
    server.start()
    yield
    server.stop()


@pytest.fixture(scope="session")
def tokendealer(
    redis_ready: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Tokendealer]:
    """The tokendealer, the worker its only client."""
    dealer = start_tokendealer(tmp_path_factory.mktemp("tokendealer"), clients=CLIENTS, workers=1)
    yield dealer
    dealer.process.stop()


@pytest.fixture(scope="session")
def dataservice(
    tokendealer: Tokendealer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Dataservice]:
    """The dataservice on SQLite; its ``process`` lets a test stop and restart it (same port,
    same database)."""
    work = tmp_path_factory.mktemp("dataservice")
    server = start_dataservice(
        work, database_url=f"sqlite:///{work}/ds.db", jwks_url=tokendealer.jwks_url
    )
    yield server
    server.process.stop()


@pytest.fixture(scope="session")
def sim(redis_ready: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """strava-sim's URL."""
    server = start_strava_sim(
        tmp_path_factory.mktemp("sim"),
        # One per test that needs a runner, with the whole suite in one process.
        athletes=36,
        rate_window_seconds=WINDOW,
    )
    yield server.url
    server.process.stop()


@pytest.fixture(scope="session")
def worker_env(tokendealer: Tokendealer, dataservice: Dataservice, sim: str) -> dict[str, str]:
    return worker_environ(
        broker_url=BROKER,
        redis_url=BUDGET,
        dataservice_url=dataservice.url,
        tokendealer=tokendealer,
        strava_url=sim,
        rate_window_seconds=WINDOW,
        max_failures=20,
        # A drain per athlete at most every 2 s: events in a test arrive seconds apart.
        event_interval=2,
    )


def _flush_broker() -> None:
    """No task left over from another test: an empty queue, and none of the worker's keys in
    its store but the subscription's id (the session's webhook fixture made it once). Only
    the worker's keys: the unit tests share that DB under prefixes of their own."""
    redis.Redis.from_url(BROKER).flushdb()
    budget = redis.Redis.from_url(BUDGET)
    for key in budget.scan_iter(match="strava-worker:*"):
        if key != SUBSCRIPTION_KEY:
            budget.delete(key)


class SharedWorker:
    """The session's sync worker of default settings, handed to each test that asks for
    one (a worker process takes seconds of CPU to start, and most tests want this one).

    It is kept between tests only while it holds nothing: no task in its queue and none
    delivered and unacknowledged (late acknowledgement: a task it runs or waits to retry is
    one), so no task of an earlier test runs in a later one; and it never shares the queue
    with a worker a test starts (that one would take only some of the test's tasks).
    """

    def __init__(self, work: Path, environ: dict[str, str]) -> None:
        self.work, self.environ = work, environ
        self.celery: CeleryProcess | None = None
        self.lives = 0

    @property
    def running(self) -> bool:
        return self.celery is not None and self.celery.running

    def take(self) -> Worker:
        """The worker, its log read from now on (a fresh worker's whole log)."""
        if not self.running:
            self.lives += 1
            self.celery = _start_celery(self.work, f"shared{self.lives}", self.environ)
        assert self.celery is not None
        return Worker(self.celery, since=self.celery.log_size())

    def stop(self) -> None:
        if self.celery is not None:
            self.celery.stop()

    def settle(self) -> None:
        """Before a test flushes the queue and after it: stopped unless it holds nothing
        (a late event of a test may reach it between tests)."""
        if not self.running:
            return
        broker = redis.Redis.from_url(BROKER)
        queued = sum(broker.llen(queue) for queue in ("celery", "streams"))
        if queued or broker.hlen("unacked"):
            self.stop()


def _start_celery(work: Path, name: str, environ: dict[str, str], **options: str) -> CeleryProcess:
    """A sync worker (the ``celery`` queue) unless ``queues`` says otherwise; its own
    /metrics port (the dev stack's 5006 may be taken, and tests run in parallel)."""
    options.setdefault("metrics_port", str(free_port()))
    return start_celery_worker(work, name, environ, log_level=LOG_LEVEL, **options)


@pytest.fixture(scope="session")
def shared_worker(
    worker_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SharedWorker]:
    shared = SharedWorker(tmp_path_factory.mktemp("shared-worker"), worker_env)
    yield shared
    shared.stop()


@pytest.fixture
def start_worker(
    worker_env: dict[str, str], shared_worker: SharedWorker, tmp_path: Path
) -> Iterator[Callable[..., Worker]]:
    shared_worker.settle()
    _flush_broker()
    workers: list[Worker] = []

    def _start(
        role: str = "worker",
        pool: str = "solo",
        queues: str = "celery",
        fresh: bool = False,
        **settings: str,
    ) -> Worker:
        """A sync worker by default (the ``celery`` queue): the streams a completed sync
        sends wait in the ``streams`` queue, taken only by ``queues="streams"``, so a test
        timing syncs or counting their Strava requests sees the syncs' own. Of default
        settings, the session's (unless ``fresh``: a test counting its metrics)."""
        if (role, pool, queues, fresh, settings) == ("worker", "solo", "celery", False, {}):
            return shared_worker.take()
        work = tmp_path / f"{role}{len(workers)}"
        if role == "beat":
            # A metrics port of its own, where the test checks that nothing answers.
            settings.setdefault("metrics_port", str(free_port()))
            process = start_celery_beat(work, worker_env, **settings)
        else:
            shared_worker.stop()  # one consumer of the test's queue: the test's worker
            name = f"{queues}-{role}{len(workers)}"
            process = _start_celery(work, name, worker_env, queues=queues, pool=pool, **settings)
        worker = Worker(process)
        workers.append(worker)
        return worker

    yield _start
    for worker in workers:
        worker.stop()
    shared_worker.settle()


@pytest.fixture(scope="session")
def users_api(tokendealer: Tokendealer, dataservice: Dataservice) -> requests.Session:
    """The tests' own client of the dataservice (users:write): makes the tests' runners."""
    client_id, secret = tokendealer.client("INTEGRATION_TESTS_CLIENT")
    tokens = ServiceTokenClient(
        tokendealer.token_url, client_id, secret, audience="dataservice", scope="users:write"
    )
    return tokens.authorized_session()


@pytest.fixture
def make_user(users_api: requests.Session, dataservice: Dataservice) -> Callable[..., int]:
    """``make_user(email, **profile)``: a new runner's id."""

    def make(email: str, **profile: str) -> int:
        answer = users_api.post(
            f"{dataservice.api}/users", json={"email": email, **profile}, timeout=10
        )
        assert answer.status_code == 201, answer.text
        user_id: int = answer.json()["id"]
        return user_id

    return make


_athletes = iter(range(1, 100))


@pytest.fixture
def runner(
    make_user: Callable[..., int], dataservice: Dataservice, sim: str, tokendealer: Tokendealer
) -> Runner:
    athlete = next(_athletes)
    user_id = make_user(f"runner{athlete}@example.org")
    client_id, secret = tokendealer.client("STRAVA_WORKER_CLIENT")
    tokens = ServiceTokenClient(
        tokendealer.token_url, client_id, secret, audience="dataservice", scope=WORKER_SCOPE
    )
    session = tokens.authorized_session()
    link_strava_athlete(
        requests.Session(), sim, session, dataservice.api, user_id, athlete, timeout=5
    )
    return Runner(dataservice.url, sim, session, user_id, athlete)


VERIFY_TOKEN = "webhook-verify-token"


@pytest.fixture(scope="session")
def webhook(worker_env: dict, sim: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``strava-webhook`` subscribed to strava-sim's push events; its URL."""
    server = start_webhook(
        tmp_path_factory.mktemp("webhook"), worker_env, verify_token=VERIFY_TOKEN
    )
    try:
        settings = WorkerSettings.load(
            environ=server.env, webhook_callback_url=f"{server.url}/webhook"
        )
        # As the subscribe_webhook task does: the id goes to the store strava-webhook reads.
        store = RedisStore.from_url(BUDGET)
        first = ensure_subscription(settings, store)
        assert ensure_subscription(settings, store) == first  # one per application, kept
        assert store.subscription_id() == first
        yield server.url
        assert not server.process.errors_in_log(), server.process.log()
    finally:
        server.process.stop()
