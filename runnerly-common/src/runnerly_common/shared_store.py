"""Short-lived bytes that runnerly-web and the strava-worker both read, on any machine:
a Strava bulk export's activity files waiting for the worker, that import's progress, and
the connected Strava athlete's name (docs/decisions.md, 59).

Not the system of record: everything here expires (a staged archive after its import or a
few days, whichever is first) and may be lost with Redis; the runs themselves go to the
dataservice.  ``SHARED_STORE`` is a ``redis://`` URL (every web process and worker, on
every machine, use the same one) or, on a single machine, a SQLite file path that the web
app and the worker both open (the development default, as the session store does).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Protocol

import redis

from runnerly_common.sqlite_files import immediate_transaction


class StoreUnavailable(Exception):
    """The store did not answer (Redis restarted, the file locked): transient."""


class SharedStore(Protocol):
    def put(self, key: str, value: bytes, ttl: int) -> None:
        """Keep ``value`` under ``key`` for ``ttl`` seconds (replacing what was there)."""

    def get(self, key: str) -> bytes | None: ...

    def delete(self, *keys: str) -> None: ...


class RedisSharedStore:
    def __init__(self, url: str, prefix: str = "runnerly:shared:") -> None:
        self.redis = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)
        self.prefix = prefix

    def put(self, key: str, value: bytes, ttl: int) -> None:
        try:
            self.redis.set(self.prefix + key, value, ex=max(1, ttl))
        except redis.RedisError as exc:
            raise StoreUnavailable(str(exc)) from exc

    def get(self, key: str) -> bytes | None:
        try:
            value = self.redis.get(self.prefix + key)
        except redis.RedisError as exc:
            raise StoreUnavailable(str(exc)) from exc
        return bytes(value) if isinstance(value, bytes | bytearray) else None

    def delete(self, *keys: str) -> None:
        if not keys:
            return
        try:
            self.redis.delete(*(self.prefix + key for key in keys))
        except redis.RedisError as exc:
            raise StoreUnavailable(str(exc)) from exc


class SqliteSharedStore:
    """One machine's processes (gunicorn's workers, the Celery worker) on one file."""

    def __init__(self, path: str) -> None:
        self.path = path
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with immediate_transaction(self._conn()) as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS shared (key TEXT PRIMARY KEY, value BLOB NOT NULL,"
                " expires REAL NOT NULL)"
            )

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            self._local.conn = conn
        return conn

    def put(self, key: str, value: bytes, ttl: int) -> None:
        now = time.time()
        try:
            with immediate_transaction(self._conn()) as conn:
                conn.execute("DELETE FROM shared WHERE expires <= ?", (now,))
                conn.execute(
                    "INSERT OR REPLACE INTO shared (key, value, expires) VALUES (?, ?, ?)",
                    (key, value, now + max(1, ttl)),
                )
        except sqlite3.OperationalError as exc:
            raise StoreUnavailable(str(exc)) from exc

    def get(self, key: str) -> bytes | None:
        try:
            row = (
                self._conn()
                .execute(
                    "SELECT value FROM shared WHERE key = ? AND expires > ?", (key, time.time())
                )
                .fetchone()
            )
        except sqlite3.OperationalError as exc:
            raise StoreUnavailable(str(exc)) from exc
        return bytes(row[0]) if row else None

    def delete(self, *keys: str) -> None:
        if not keys:
            return
        try:
            with immediate_transaction(self._conn()) as conn:
                conn.executemany("DELETE FROM shared WHERE key = ?", [(key,) for key in keys])
        except sqlite3.OperationalError as exc:
            raise StoreUnavailable(str(exc)) from exc


def open_shared_store(location: str) -> SharedStore:
    """The store at ``location``: a ``redis://``/``rediss://`` URL, else a SQLite file."""
    if location.startswith(("redis://", "rediss://", "unix://")):
        return RedisSharedStore(location)
    return SqliteSharedStore(location)
