"""Logins waiting for their second factor: the password was right, the code is to come.

An entry is an id in the same store as the sessions (Redis with ``RUNNERLY_WEB_REDIS_URL``,
else the SQLite file), naming the runner, for ``PENDING_SECONDS``; the browser's signed
session cookie carries the id, so the entry belongs to that browser only and is taken
(deleted) when the code is right.  No session exists before then.
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
import time
from pathlib import Path
from typing import Protocol

import redis

PENDING_SECONDS = 300


class PendingLogins(Protocol):
    def open(self, user_id: int) -> str:
        """A new pending login of ``user_id``; its id."""

    def runner(self, pending_id: str) -> int | None:
        """The runner of a pending login still open, else None."""

    def take(self, pending_id: str) -> None:
        """The pending login ends (its code was right, or it was replaced)."""


class RedisPendingLogins:
    def __init__(self, url: str, seconds: int, prefix: str = "runnerly-web:two-factor:") -> None:
        self.redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.seconds, self.prefix = seconds, prefix

    def open(self, user_id: int) -> str:
        pending_id = secrets.token_urlsafe(32)
        self.redis.set(self.prefix + pending_id, str(user_id), ex=self.seconds)
        return pending_id

    def runner(self, pending_id: str) -> int | None:
        value = self.redis.get(self.prefix + pending_id)
        if value is None:
            return None
        return int(value.decode() if isinstance(value, bytes) else value)

    def take(self, pending_id: str) -> None:
        self.redis.delete(self.prefix + pending_id)


class SQLitePendingLogins:
    def __init__(self, path: str, seconds: int) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path, self.seconds = path, seconds
        self._local = threading.local()
        self._db().execute(
            "CREATE TABLE IF NOT EXISTS two_factor_pending (id TEXT PRIMARY KEY,"
            " user_id INTEGER NOT NULL, expires REAL NOT NULL)"
        )

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=5, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            self._local.db = db
        return db

    def open(self, user_id: int) -> str:
        pending_id = secrets.token_urlsafe(32)
        now = time.time()
        db = self._db()
        db.execute("DELETE FROM two_factor_pending WHERE expires <= ?", (now,))
        db.execute(
            "INSERT INTO two_factor_pending (id, user_id, expires) VALUES (?, ?, ?)",
            (pending_id, user_id, now + self.seconds),
        )
        return pending_id

    def runner(self, pending_id: str) -> int | None:
        row = (
            self._db()
            .execute(
                "SELECT user_id FROM two_factor_pending WHERE id = ? AND expires > ?",
                (pending_id, time.time()),
            )
            .fetchone()
        )
        return int(row[0]) if row else None

    def take(self, pending_id: str) -> None:
        self._db().execute("DELETE FROM two_factor_pending WHERE id = ?", (pending_id,))


def make_pending_logins(redis_url: str, sqlite_path: str) -> PendingLogins:
    if redis_url:
        return RedisPendingLogins(redis_url, PENDING_SECONDS)
    return SQLitePendingLogins(sqlite_path, PENDING_SECONDS)
