"""Where the server keeps the sessions it has opened, so it can end them.

The browser's signed cookie names a session (a random id); the session is alive only while
its id is in this store.  Logging out deletes the id, "log out everywhere", a password
change and disabling an account delete every id of the account, and every web process
sees that on its next request: the store is Redis when ``RUNNERLY_WEB_REDIS_URL`` is set
(every process and container), else a SQLite file shared by one machine's processes.

Each session has two limits: ``idle`` seconds without use and ``absolute`` seconds since
login, whatever the use.  An entry's expiry is kept at the nearer of the two.

The store also keeps, per account, when the dataservice last confirmed it (``web_session``'s
account check), for every process at once: one process's check spares the others theirs,
and ending the account's sessions forgets it everywhere.
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
import time
from pathlib import Path
from typing import Protocol

import redis

# Writing the new expiry on every request would make each one a write; a minute's slack on
# an idle limit of days is invisible.
_REFRESH_SLACK = 60


class SessionStore(Protocol):
    idle: int
    absolute: int

    def open(self, user_id: int, started: int) -> str:
        """A new session of ``user_id`` begun at ``started``; its id."""

    def check(self, sid: str, user_id: int, started: int) -> bool:
        """Whether the session is alive (and is ``user_id``'s, begun at ``started``); keeps
        its idle limit away while it is used."""

    def end(self, sid: str) -> None: ...

    def end_all(self, user_id: int) -> None:
        """Every session of the account ends (and its account check is forgotten)."""

    def account_checked(self, user_id: int, since: str) -> bool:
        """Whether the dataservice confirmed account ``user_id``, created at ``since``,
        within the period given to ``remember_account``."""

    def remember_account(self, user_id: int, since: str, seconds: int) -> None: ...

    def forget_account(self, user_id: int) -> None: ...


def _expiry(started: int, now: float, idle: int, absolute: int) -> float:
    return min(now + idle, started + absolute)


def _text(value: bytes | str) -> str:
    """The client answers bytes (no ``decode_responses``); its types allow str too."""
    return value.decode() if isinstance(value, bytes) else value


class RedisSessionStore:
    def __init__(
        self, url: str, idle: int, absolute: int, prefix: str = "runnerly-web:session:"
    ) -> None:
        self.redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.idle, self.absolute, self.prefix = idle, absolute, prefix

    def _session(self, sid: str) -> str:
        return f"{self.prefix}id:{sid}"

    def _account(self, user_id: int) -> str:
        return f"{self.prefix}user:{user_id}"

    def _checked(self, user_id: int) -> str:
        return f"{self.prefix}checked:{user_id}"

    def open(self, user_id: int, started: int) -> str:
        sid = secrets.token_urlsafe(32)
        account = self._account(user_id)
        # Forget ids whose entries have expired, so an account's list stays short.
        members = [_text(m) for m in self.redis.smembers(account)]
        pipe = self.redis.pipeline()
        for member in members:
            pipe.exists(self._session(member))
        stale = [m for m, alive in zip(members, pipe.execute(), strict=True) if not alive]
        pipe = self.redis.pipeline()
        if stale:
            pipe.srem(account, *stale)
        pipe.set(self._session(sid), f"{user_id}:{started}", ex=self.idle)
        pipe.sadd(account, sid)
        pipe.expire(account, self.absolute)
        pipe.execute()
        return sid

    def check(self, sid: str, user_id: int, started: int) -> bool:
        now = time.time()
        remaining = int(_expiry(started, now, self.idle, self.absolute) - now)
        if remaining <= 0:
            return False
        pipe = self.redis.pipeline()
        pipe.get(self._session(sid))
        # XX: only an entry that exists is extended; an ended session stays ended.
        pipe.expire(self._session(sid), remaining, xx=True)
        value, _ = pipe.execute()
        return value is not None and _text(value) == f"{user_id}:{started}"

    def end(self, sid: str) -> None:
        value = self.redis.getdel(self._session(sid))
        if value is not None:
            self.redis.srem(self._account(int(_text(value).partition(":")[0])), sid)

    def end_all(self, user_id: int) -> None:
        account = self._account(user_id)
        members = [_text(m) for m in self.redis.smembers(account)]
        pipe = self.redis.pipeline()
        for member in members:
            pipe.delete(self._session(member))
        pipe.delete(account, self._checked(user_id))
        pipe.execute()

    def account_checked(self, user_id: int, since: str) -> bool:
        value = self.redis.get(self._checked(user_id))
        return value is not None and _text(value) == since

    def remember_account(self, user_id: int, since: str, seconds: int) -> None:
        self.redis.set(self._checked(user_id), since, ex=seconds)

    def forget_account(self, user_id: int) -> None:
        self.redis.delete(self._checked(user_id))


class SQLiteSessionStore:
    def __init__(self, path: str, idle: int, absolute: int) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path, self.idle, self.absolute = path, idle, absolute
        self._local = threading.local()
        self._db().execute(
            "CREATE TABLE IF NOT EXISTS web_sessions (sid TEXT PRIMARY KEY,"
            " user_id INTEGER NOT NULL, started REAL NOT NULL, expires REAL NOT NULL)"
        )
        self._db().execute("CREATE INDEX IF NOT EXISTS web_sessions_user ON web_sessions (user_id)")
        self._db().execute(
            "CREATE TABLE IF NOT EXISTS web_account_checks (user_id INTEGER PRIMARY KEY,"
            " since TEXT NOT NULL, until REAL NOT NULL)"
        )

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=5, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            # Durable enough for sessions (WAL survives a process crash), without an fsync
            # per login or refresh.
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
        return db

    def open(self, user_id: int, started: int) -> str:
        sid = secrets.token_urlsafe(32)
        now = time.time()
        db = self._db()
        db.execute("DELETE FROM web_sessions WHERE expires <= ?", (now,))
        db.execute(
            "INSERT INTO web_sessions (sid, user_id, started, expires) VALUES (?, ?, ?, ?)",
            (sid, user_id, started, _expiry(started, now, self.idle, self.absolute)),
        )
        return sid

    def check(self, sid: str, user_id: int, started: int) -> bool:
        now = time.time()
        db = self._db()
        row = db.execute(
            "SELECT expires FROM web_sessions"
            " WHERE sid = ? AND user_id = ? AND started = ? AND expires > ?",
            (sid, user_id, started, now),
        ).fetchone()
        if row is None:
            return False
        expires = _expiry(started, now, self.idle, self.absolute)
        if expires - row[0] > _REFRESH_SLACK:
            # Only while it is still there: a logout in between wins.
            db.execute(
                "UPDATE web_sessions SET expires = ? WHERE sid = ? AND expires > ?",
                (expires, sid, now),
            )
        return True

    def end(self, sid: str) -> None:
        self._db().execute("DELETE FROM web_sessions WHERE sid = ?", (sid,))

    def end_all(self, user_id: int) -> None:
        self._db().execute("DELETE FROM web_sessions WHERE user_id = ?", (user_id,))
        self.forget_account(user_id)

    def account_checked(self, user_id: int, since: str) -> bool:
        row = (
            self._db()
            .execute(
                "SELECT 1 FROM web_account_checks WHERE user_id = ? AND since = ? AND until > ?",
                (user_id, since, time.time()),
            )
            .fetchone()
        )
        return row is not None

    def remember_account(self, user_id: int, since: str, seconds: int) -> None:
        self._db().execute(
            "INSERT OR REPLACE INTO web_account_checks (user_id, since, until) VALUES (?, ?, ?)",
            (user_id, since, time.time() + seconds),
        )

    def forget_account(self, user_id: int) -> None:
        self._db().execute("DELETE FROM web_account_checks WHERE user_id = ?", (user_id,))


def make_session_store(
    redis_url: str, sqlite_path: str, *, idle: int, absolute: int
) -> SessionStore:
    if redis_url:
        return RedisSessionStore(redis_url, idle, absolute)
    return SQLiteSessionStore(sqlite_path, idle, absolute)
