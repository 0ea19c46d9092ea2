"""The whole suite, or the part a test needs, each service a real process from
:mod:`runnerly_common.testing.services`, started dependencies first and stopped in reverse.

What chaos, the fuzzer, the benchmarks and the integration tests start: a private
``redis-server`` (broker DB 0, the worker's rate budget and locks DB 1), the tokendealer
(SQLite, the repository's clients), the dataservice on the caller's database, strava-sim,
Celery workers of the sync queue and one of the streams queue, beat, runnerly-web and the
gateway. Every process can be killed and restarted on the same port (``stack.process(name)``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runnerly_common.service_client import ServiceTokenClient
from runnerly_common.testing.processes import free_port
from runnerly_common.testing.redis import RedisServer
from runnerly_common.testing.services import (
    Dataservice,
    Service,
    StravaSim,
    Tokendealer,
    start_celery_beat,
    start_celery_worker,
    start_dataservice,
    start_gateway,
    start_strava_sim,
    start_tokendealer,
    start_web,
    start_webhook,
    worker_environ,
)

PARTS = (
    "redis",
    "tokendealer",
    "dataservice",
    "strava-sim",
    "workers",
    "streams",
    "beat",
    "webhook",
    "web",
    "gateway",
)
# What each client of the dataservice asks for (config/clients.toml).
WORKER_SCOPE = "users:read runs:read runs:write strava:tokens reports:read"
WEB_SCOPE = "users:read users:write strava:tokens"
WEBHOOK_VERIFY_TOKEN = "stack-webhook-verify-token"


class StackClients:
    """What a scenario asks of a deployment besides its addresses: fresh strava-sim
    athletes, the clients' service tokens and a first sync. Shared by :class:`Stack` and
    the chaos suite's several-nodes deployment, which hold these attributes."""

    sim: StravaSim | None
    tokendealer: Tokendealer | None
    worker_env: dict[str, str]
    _next_athlete: int

    def next_athletes(self, count: int) -> list[int]:
        """strava-sim athletes nobody linked yet (each scenario or test takes fresh ones)."""
        assert self.sim is not None, "the stack has no strava-sim"
        start = self._next_athlete
        if start + count - 1 > self.sim.athletes:
            raise RuntimeError(f"strava-sim was seeded with {self.sim.athletes} athletes only")
        self._next_athlete += count
        return list(range(start, start + count))

    def tokens(self, env_prefix: str, scope: str) -> ServiceTokenClient:
        """A client's service tokens for the dataservice (``STRAVA_WORKER_CLIENT``...)."""
        assert self.tokendealer is not None, "the stack has no tokendealer"
        client_id, secret = self.tokendealer.client(env_prefix)
        return ServiceTokenClient(
            self.tokendealer.token_url, client_id, secret, audience="dataservice", scope=scope
        )

    def worker_tokens(self) -> ServiceTokenClient:
        """What the worker asks the tokendealer for (runs, Strava tokens)."""
        return self.tokens("STRAVA_WORKER_CLIENT", WORKER_SCOPE)

    def web_tokens(self) -> ServiceTokenClient:
        return self.tokens("RUNNERLY_WEB_CLIENT", WEB_SCOPE)

    def enqueue_sync(self, user_ids: Iterable[int]) -> None:
        """What connecting Strava in the web app does: a ``sync_runner`` per runner, now."""
        from celery import Celery

        from runnerly_common.tasks import SYNC_RUNNER

        app = Celery(broker=self.worker_env["STRAVA_WORKER_BROKER_URL"])
        try:
            for user_id in user_ids:
                SYNC_RUNNER.send(app, {"user_id": user_id})
        finally:
            app.close()


@dataclass
class Stack(StackClients):
    """What :func:`start_stack` started: every process by name (``redis``, ``tokendealer``,
    ``dataservice``, ``strava-sim``, ``worker-1``..., ``streams``, ``beat``,
    ``strava-webhook``, ``web``, ``gateway``) and the handles of the services."""

    work: Path
    database_url: str
    processes: dict[str, Any] = field(default_factory=dict)  # name -> a started process
    redis: RedisServer | None = None
    tokendealer: Tokendealer | None = None
    dataservice: Dataservice | None = None
    sim: StravaSim | None = None
    web: Service | None = None
    webhook: Service | None = None
    gateway: Service | None = None
    worker_env: dict[str, str] = field(default_factory=dict)
    _next_athlete: int = 1

    def process(self, name: str) -> Any:
        """The process named ``name``: ``kill()``, ``restart()``, ``stop()``, ``log()``."""
        return self.processes[name]

    @property
    def urls(self) -> dict[str, str]:
        services = {
            "tokendealer": self.tokendealer,
            "dataservice": self.dataservice,
            "strava-sim": self.sim,
            "web": self.web,
            "strava-webhook": self.webhook,
            "gateway": self.gateway,
        }
        found = {name: s.url for name, s in services.items() if s is not None}
        if self.redis is not None:
            found["redis"] = self.redis.base_url
        return found

    @property
    def credentials(self) -> dict[str, str]:
        return self.tokendealer.credentials if self.tokendealer else {}

    def errors_in_logs(self) -> dict[str, list[str]]:
        """Each process's ERROR lines and tracebacks: a clean run leaves none."""
        found = {name: p.errors_in_log() for name, p in self.processes.items()}
        return {name: lines for name, lines in found.items() if lines}

    def stop(self) -> None:
        for process in reversed(list(self.processes.values())):
            with contextlib.suppress(Exception):
                process.stop()


def _options(options: Mapping[str, Mapping[str, Any]], part: str) -> dict[str, Any]:
    return dict(options.get(part, {}))


@contextlib.contextmanager
def start_stack(
    work: Path,
    *,
    database_url: str = "",
    parts: Iterable[str] = PARTS,
    athletes: int = 12,
    sync_workers: int = 2,
    redis_appendonly: bool = True,
    options: Mapping[str, Mapping[str, Any]] | None = None,
) -> Iterator[Stack]:
    """Start ``parts`` (dependencies first), yield the :class:`Stack`, stop everything.

    ``options``: per part, the keyword arguments of its starter (settings included), e.g.
    ``{"strava-sim": {"latency_ms": 200}, "workers": {"pool": "prefork", "sync_interval": 10}}``;
    ``"workers"`` apply to every Celery worker and beat. No ``database_url``: the dataservice
    on SQLite in ``work``.
    """
    wanted = set(parts)
    unknown = wanted - set(PARTS)
    if unknown:
        raise ValueError(f"unknown parts {sorted(unknown)}: choose among {PARTS}")
    options = options or {}
    stack = Stack(work=work, database_url=database_url or f"sqlite:///{work}/dataservice.db")
    try:
        _start(stack, wanted, athletes, sync_workers, redis_appendonly, options)
        yield stack
    finally:
        stack.stop()


def _start(
    stack: Stack,
    wanted: set[str],
    athletes: int,
    sync_workers: int,
    redis_appendonly: bool,
    options: Mapping[str, Mapping[str, Any]],
) -> None:
    work = stack.work
    if "redis" in wanted:
        stack.redis = RedisServer(work / "redis", appendonly=redis_appendonly)
        stack.processes["redis"] = stack.redis
        stack.redis.start()
    # Token exchange asks the dataservice about runners: its port is chosen first.
    dataservice_port = free_port()
    if "tokendealer" in wanted:
        stack.tokendealer = start_tokendealer(
            work / "tokendealer",
            dataservice_url=f"http://127.0.0.1:{dataservice_port}",
            **_options(options, "tokendealer"),
        )
        stack.processes["tokendealer"] = stack.tokendealer.process
    if "dataservice" in wanted:
        assert stack.tokendealer is not None, "the dataservice trusts the tokendealer's keys"
        stack.dataservice = start_dataservice(
            work / "dataservice",
            database_url=stack.database_url,
            jwks_url=stack.tokendealer.jwks_url,
            port=dataservice_port,
            **_options(options, "dataservice"),
        )
        stack.processes["dataservice"] = stack.dataservice.process
    if "strava-sim" in wanted:
        sim_options = {"athletes": athletes, **_options(options, "strava-sim")}
        stack.sim = start_strava_sim(work / "strava-sim", **sim_options)
        stack.processes["strava-sim"] = stack.sim.process
    if wanted & {"workers", "streams", "beat", "webhook"}:
        _start_strava_worker(stack, wanted, sync_workers, options)
    if "web" in wanted:
        assert stack.tokendealer is not None and stack.dataservice is not None
        # As compose has it: the worker's broker (a first sync, account mail, exports are
        # queued there) and the store the web app shares with the worker (decision 59).
        shared = (
            {"broker_url": stack.redis.url(0), "shared_store": stack.redis.url(3)}
            if stack.redis
            else {}
        )
        stack.web = start_web(
            work / "web",
            dataservice_url=stack.dataservice.url,
            tokendealer=stack.tokendealer,
            strava_url=stack.sim.url if stack.sim else "",
            **{**shared, **_options(options, "web")},
        )
        stack.processes["web"] = stack.web.process
    if "gateway" in wanted:
        assert stack.web and stack.dataservice and stack.tokendealer
        stack.gateway = start_gateway(
            work / "gateway",
            web=stack.web.url,
            dataservice=stack.dataservice.url,
            tokendealer=stack.tokendealer.url,
            webhook=stack.webhook.url if stack.webhook else "",
            **_options(options, "gateway"),
        )
        stack.processes["gateway"] = stack.gateway.process


def _start_strava_worker(
    stack: Stack, wanted: set[str], sync_workers: int, options: Mapping[str, Mapping[str, Any]]
) -> None:
    assert stack.redis and stack.tokendealer and stack.dataservice and stack.sim, (
        "strava-worker needs Redis, the tokendealer, the dataservice and strava-sim"
    )
    worker = _options(options, "workers")
    # Settings of every worker process; the starters' own arguments stay per process.
    own = {k: worker.pop(k) for k in ("pool", "concurrency", "command", "log_level") if k in worker}
    stack.worker_env = worker_environ(
        broker_url=stack.redis.url(0),
        redis_url=stack.redis.url(1),
        dataservice_url=stack.dataservice.url,
        tokendealer=stack.tokendealer,
        strava_url=stack.sim.url,
        **{"shared_store": stack.redis.url(3), **worker},
    )
    celery = stack.work / "celery"
    if "workers" in wanted:
        for number in range(1, sync_workers + 1):
            name = f"worker-{number}"
            stack.processes[name] = start_celery_worker(celery, name, stack.worker_env, **own)
    if "streams" in wanted:
        stack.processes["streams"] = start_celery_worker(
            celery, "streams", stack.worker_env, queues="streams", **own
        )
    if "beat" in wanted:
        stack.processes["beat"] = start_celery_beat(celery, stack.worker_env)
    if "webhook" in wanted:
        stack.webhook = start_webhook(
            stack.work / "webhook",
            stack.worker_env,
            verify_token=WEBHOOK_VERIFY_TOKEN,
            **_options(options, "webhook"),
        )
        stack.processes["strava-webhook"] = stack.webhook.process
