"""Readiness checks of dependencies several services share: a Celery broker, Redis.

Each is cheap (a connection and a ping), bounded by a short timeout, and says what failed
without the password of the URL it was given.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from runnerly_common.health import ReadinessCheck, redact

TIMEOUT = 2.0  # seconds; /readyz gives all its checks 2.5 s


class DependencyError(RuntimeError):
    """A dependency did not answer; the message names it, never its password."""


def broker_check(url: str, timeout: float = TIMEOUT) -> ReadinessCheck:
    """A check that the Celery broker at ``url`` accepts a connection.

    Redis is pinged, a SQLAlchemy broker (``sqla+...``) runs ``SELECT 1``, and any other
    transport (AMQP...) is asked for a connection by kombu.
    """
    scheme = urlsplit(url).scheme.lower()
    if scheme in {"redis", "rediss"}:
        return redis_check(url, timeout)
    if scheme.startswith("sqla+"):
        return _guarded(url, lambda: _sql_ping(url[len("sqla+") :], timeout))
    return _guarded(url, lambda: _kombu_ping(url, timeout))


def redis_check(url: str, timeout: float = TIMEOUT) -> ReadinessCheck:
    def ping() -> bool:
        import redis  # only services that use Redis have it installed

        client = redis.Redis.from_url(
            url, socket_connect_timeout=timeout, socket_timeout=timeout, retry_on_timeout=False
        )
        try:
            return bool(client.ping())
        finally:
            client.close()

    return _guarded(url, ping)


def _guarded(url: str, check: ReadinessCheck) -> ReadinessCheck:
    password = unquote(urlsplit(url).password or "")

    def run() -> object:
        try:
            return check()
        except Exception as exc:  # noqa: BLE001 - any failure: named, then raised again
            message = redact(f"{type(exc).__name__}: {exc}", [password])
            raise DependencyError(message) from None

    return run


def _sql_ping(url: str, timeout: float) -> bool:
    if url.startswith("sqlite:"):
        return _sqlite_ping(url, timeout)
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, connect_args=_connect_timeout(url, timeout), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    finally:
        engine.dispose()
    return True


def _sqlite_ping(url: str, timeout: float) -> bool:
    """The broker's SQLite file opens and answers; a missing file is fine while its folder
    exists (kombu makes the file on the first message), so no empty file is left here."""
    path = url.split(":///", 1)[1] if ":///" in url else ""
    if not path or path == ":memory:":
        return True
    if not Path(path).exists():
        if not Path(path).parent.is_dir():
            raise FileNotFoundError(f"the folder of {path} does not exist")
        return True
    db = sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=timeout)
    try:
        db.execute("PRAGMA schema_version").fetchone()  # reads the file, unlike SELECT 1
    finally:
        db.close()
    return True


def _connect_timeout(url: str, timeout: float) -> dict[str, Any]:
    # Both psycopg and the MySQL drivers take whole seconds.
    if url.startswith(("postgresql", "mysql")):
        return {"connect_timeout": max(1, int(timeout))}
    return {}


def _kombu_ping(url: str, timeout: float) -> bool:
    from kombu.connection import Connection  # only services that use Celery have it installed

    with Connection(url, connect_timeout=timeout) as connection:
        connection.ensure_connection(max_retries=0, timeout=timeout)
    return True
