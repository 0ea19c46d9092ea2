"""``/readyz`` of the worker: can its tasks reach what they need right now?

broker (the queue, which also gives the queue's length), store (the shared rate budget and
locks: Redis, or the SQLite file), dataservice (``/healthz``) and tokendealer (the worker's
own service token, cached until near expiry, so a probe costs the tokendealer one request
per token lifetime).  The checks run at once, each in a thread with short socket timeouts,
and the answer waits at most ``TIMEOUT``: a dependency that hangs is reported as such
rather than making the probe hang.  Error texts name the failure, never a secret.
"""

from __future__ import annotations

import concurrent.futures
import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

import requests

from runnerly_common.service_client import ServiceSession, ServiceTokenClient
from strava_worker.budget import Store, Windows
from strava_worker.runtime import SCOPE
from strava_worker.settings import WorkerSettings

log = logging.getLogger(__name__)
Check = Callable[[], object]
TIMEOUT = 2.5  # the whole /readyz; each check's own socket timeouts are shorter
SOCKET_TIMEOUT = 1.5
_URL_PASSWORD = re.compile(r"(://[^:/@\s]*:)[^@\s]+@")


class BrokerProbe:
    """One short-lived broker connection per call: the main process holds none open."""

    def __init__(self, url: str, queue: str = "celery") -> None:
        self.url = url
        self.queue = queue

    def queue_length(self) -> int:
        from kombu import Connection

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


def short_timeout_store(settings: WorkerSettings) -> Store:
    """The shared store with socket timeouts that fit in a probe (the tasks' are longer)."""
    if settings.redis_url:
        import redis

        from strava_worker.redis_store import RedisStore

        client = redis.Redis.from_url(
            settings.redis_url,
            socket_timeout=SOCKET_TIMEOUT,
            socket_connect_timeout=SOCKET_TIMEOUT,
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
        self.broker = BrokerProbe(settings.broker_url, queue)

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
            session=ServiceSession(timeout=SOCKET_TIMEOUT, retries=0),
        )

    def checks(self) -> dict[str, Check]:
        return {
            "broker": lambda: self.broker.queue_length() >= 0,
            "store": lambda: self.store.usage(windows_of(self.settings), time.time()) is not None,
            "dataservice": self._dataservice,
            "tokendealer": lambda: bool(self._tokens.token()),
        }

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


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` without any of ``secrets`` and without the password of any URL in it."""
    text = _URL_PASSWORD.sub(r"\1***@", text)
    for value in secrets:
        text = text.replace(value, "***")
    return text


def run_checks(
    checks: Mapping[str, Check], secrets: Iterable[str] = (), timeout: float = TIMEOUT
) -> tuple[bool, dict[str, dict[str, object]]]:
    """Every check at once; (all ok, per check ``{ok, ms, error?}``) within ``timeout``."""
    secrets = list(secrets)
    started = time.perf_counter()
    pool = concurrent.futures.ThreadPoolExecutor(len(checks) or 1, "readyz")
    futures = {name: pool.submit(_timed, check) for name, check in checks.items()}
    concurrent.futures.wait(futures.values(), timeout=timeout)
    # A hanging check's thread ends with its own socket timeout; nobody waits for it.
    pool.shutdown(wait=False, cancel_futures=True)
    results: dict[str, dict[str, object]] = {}
    for name, future in futures.items():
        if future.done():
            ok, ms, error = future.result()
        else:
            ms = round((time.perf_counter() - started) * 1000, 1)
            ok, error = False, f"no answer within {timeout:g} s"
        results[name] = {"ok": ok, "ms": ms}
        if error:
            results[name]["error"] = scrub(error, secrets)[:200]
            log.warning("readiness check %s failed: %s", name, results[name]["error"])
    return all(r["ok"] for r in results.values()), results


def _timed(check: Check) -> tuple[bool, float, str | None]:
    started = time.perf_counter()
    try:
        ok, error = bool(check()), None
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        ok, error = False, f"{type(exc).__name__}: {exc}"
    return ok, round((time.perf_counter() - started) * 1000, 1), error
