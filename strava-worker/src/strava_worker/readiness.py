"""``/readyz`` of the worker: can its tasks reach what they need right now?

broker, store (the shared rate budget and locks: Redis, or the SQLite file), dataservice
(``/healthz``) and tokendealer (the worker's own service token, cached until near expiry,
so a probe costs the tokendealer one request per token lifetime).  The toolkit's
:class:`~runnerly_common.health.Readiness` runs them side by side within its deadline,
with short socket timeouts here; error texts name the failure, never a secret.
"""

from __future__ import annotations

import time
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

import requests

from runnerly_common.health import Readiness
from runnerly_common.probes import broker_check
from runnerly_common.service_client import ServiceSession, ServiceTokenClient
from strava_worker.budget import Store, Windows
from strava_worker.runtime import SCOPE
from strava_worker.settings import WorkerSettings

SOCKET_TIMEOUT = 1.5  # seconds; /readyz gives all its checks 2.5 s


class BrokerQueue:
    """The length of the worker's queue, for ``/metrics``: one short-lived broker
    connection per call (the main process holds none open)."""

    def __init__(self, url: str, queue: str = "celery") -> None:
        self.url = url
        self.queue = queue

    def length(self) -> int:
        from kombu.connection import Connection

        options: dict[str, Any] = {}
        if self.url.startswith(("redis://", "rediss://")):
            options = {"socket_timeout": SOCKET_TIMEOUT, "socket_connect_timeout": SOCKET_TIMEOUT}
        with Connection(
            self.url, connect_timeout=SOCKET_TIMEOUT, transport_options=options
        ) as conn:
            conn.ensure_connection(max_retries=0, timeout=SOCKET_TIMEOUT)
            channel = conn.channel()
            try:
                # What the worker declares on start: creates nothing that is not there anyway.
                return int(channel.queue_declare(self.queue, passive=False).message_count)
            finally:
                channel.close()


def short_timeout_store(settings: WorkerSettings, timeout: float = SOCKET_TIMEOUT) -> Store:
    """The shared store with socket timeouts that fit in a probe (the tasks' are longer)."""
    if settings.redis_url:
        import redis

        from strava_worker.redis_store import RedisStore

        client = redis.Redis.from_url(
            settings.redis_url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        return RedisStore(client)
    from strava_worker.sqlite_store import SqliteStore

    return SqliteStore(settings.budget_path)


def windows_of(settings: WorkerSettings) -> Windows:
    s = settings
    return Windows(
        s.rate_limit_15min, s.rate_limit_daily, s.rate_window_seconds, s.rate_day_seconds
    )


class Dependencies:
    """What the worker depends on, built once in the main process from its settings."""

    def __init__(self, settings: WorkerSettings, queue: str = "celery") -> None:
        self.settings = settings
        self.queue = BrokerQueue(settings.broker_url, queue)

    @cached_property
    def store(self) -> Store:
        return short_timeout_store(self.settings)

    @cached_property
    def _tokens(self) -> ServiceTokenClient:
        s = self.settings
        return ServiceTokenClient(
            s.token_url,
            s.client_id,
            s.client_secret,
            audience="dataservice",
            scope=SCOPE,
            http=ServiceSession(timeout=SOCKET_TIMEOUT, retries=0),
        )

    def readiness(self) -> Readiness:
        s = self.settings
        checks = Readiness(secrets=self.secrets())
        checks.add("broker", broker_check(s.broker_url, SOCKET_TIMEOUT))
        checks.add("store", lambda: self.store.usage(windows_of(s), time.time()) is not None)
        checks.add("dataservice", self._dataservice)
        checks.add("tokendealer", lambda: bool(self._tokens.token()))
        return checks

    def _dataservice(self) -> bool:
        url = self.settings.dataservice_url.rstrip("/") + "/healthz"
        response = requests.get(url, timeout=SOCKET_TIMEOUT)
        if response.status_code != 200:
            raise RuntimeError(f"/healthz answered {response.status_code}")
        return True

    def secrets(self) -> list[str]:
        s = self.settings
        values = [s.client_secret, s.strava_client_secret, s.webhook_verify_token, s.smtp_password]
        values += [urlsplit(url).password or "" for url in (s.broker_url, s.redis_url)]
        return [v for v in values if v]
