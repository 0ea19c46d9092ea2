"""Password throttling: failed password checks (logins, and the checks a session makes
before deleting the account or changing the password) counted in fixed windows; past a
limit, checks are refused (429) until the window ends.

Who counts where (docs/decisions.md §17, "known device" cookies as OWASP describes them):

- A browser that holds a known-device cookie for the account (``devices``: it logged in
  to that account before) counts its failures on that device only.  Nothing done from
  elsewhere locks it out, so an attacker who knows a runner's email cannot keep the runner
  out; a stolen device cookie buys ``per_account`` guesses a window, no more.
- Any other browser counts on the account (``per_account``, shared by every unknown
  device: a botnet gets no more guesses than one machine) and on its client address
  (``per_address``, across accounts: one machine spraying many accounts).

Counting happens where every process sees it: Redis when ``RUNNERLY_WEB_REDIS_URL`` is set
(production), else a SQLite file (the local default, shared by the gunicorn workers of one
machine).  Only failures count, and a success clears the counter it was held to, so a
runner is never held up by their own earlier typos once they succeed.

A check still in progress counts too, until its outcome is known (``begin``/``end``): the
failures are counted only after the dataservice has answered, so without it every check
started meanwhile would see the same count and pass: eight guesses sent at once to one
threaded web process (decision 67) were eight password checks against a limit of three.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from pathlib import Path
from typing import Protocol

import redis

from runnerly_common.sqlite_files import immediate_transaction

log = logging.getLogger(__name__)
# How long a check in progress counts at most: longer than a password check can take (the
# dataservice client's timeouts, one retry), so that only a process that died mid-check
# leaves its mark, and only this long.
CHECK_HOLD = 60
_BUSY = "checking:"
_END_SCRIPT = """
local n = redis.call('DECR', KEYS[1])
if n <= 0 then redis.call('DEL', KEYS[1]) end
return n
"""


class Counter(Protocol):
    def count(self, key: str) -> tuple[int, int]:
        """(failures in the current window, seconds until it ends)."""

    def add(self, key: str, window: int) -> None: ...

    def clear(self, key: str) -> None: ...

    def begin(self, key: str, hold: int) -> int:
        """One more check in progress on ``key`` (forgotten after ``hold`` seconds, should
        its process die before ``end``); the failures plus the checks in progress, this
        one included."""

    def end(self, key: str) -> None:
        """A check begun on ``key`` is over."""


class RedisCounter:
    def __init__(self, url: str, prefix: str = "runnerly-web:login:") -> None:
        self.redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.prefix = prefix

    def count(self, key: str) -> tuple[int, int]:
        pipe = self.redis.pipeline()
        pipe.get(self.prefix + key)
        pipe.ttl(self.prefix + key)
        value, ttl = pipe.execute()
        return int(value or 0), max(int(ttl), 1)

    def add(self, key: str, window: int) -> None:
        pipe = self.redis.pipeline()
        pipe.incr(self.prefix + key)
        # The window starts at the first failure: NX keeps later ones from extending it.
        pipe.expire(self.prefix + key, window, nx=True)
        pipe.execute()

    def clear(self, key: str) -> None:
        self.redis.delete(self.prefix + key)

    def begin(self, key: str, hold: int) -> int:
        pipe = self.redis.pipeline()  # MULTI: the count read is the one after this INCR
        pipe.incr(self.prefix + _BUSY + key)
        pipe.expire(self.prefix + _BUSY + key, hold)
        pipe.get(self.prefix + key)
        busy, _, failures = pipe.execute()
        return int(busy) + int(failures or 0)

    def end(self, key: str) -> None:
        # One step: a DECR of a key that expired meanwhile would leave -1 for good.
        self.redis.eval(_END_SCRIPT, 1, self.prefix + _BUSY + key)


class SQLiteCounter:
    def __init__(self, path: str) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._local = threading.local()
        with self._db() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS login_failures"
                " (key TEXT PRIMARY KEY, count INTEGER NOT NULL, ends REAL NOT NULL)"
            )
            db.execute(
                "CREATE TABLE IF NOT EXISTS login_checks"
                " (key TEXT PRIMARY KEY, busy INTEGER NOT NULL, ends REAL NOT NULL)"
            )

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=5, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            self._local.db = db
        return db

    def count(self, key: str) -> tuple[int, int]:
        now = time.time()
        row = (
            self._db()
            .execute(
                "SELECT count, ends FROM login_failures WHERE key = ? AND ends > ?", (key, now)
            )
            .fetchone()
        )
        return (row[0], max(int(row[1] - now) + 1, 1)) if row else (0, 0)

    def add(self, key: str, window: int) -> None:
        now = time.time()
        with immediate_transaction(self._db()) as db:
            db.execute("DELETE FROM login_failures WHERE key = ? AND ends <= ?", (key, now))
            db.execute(
                "INSERT INTO login_failures (key, count, ends) VALUES (?, 1, ?)"
                " ON CONFLICT(key) DO UPDATE SET count = count + 1",
                (key, now + window),
            )

    def clear(self, key: str) -> None:
        self._db().execute("DELETE FROM login_failures WHERE key = ?", (key,))

    def begin(self, key: str, hold: int) -> int:
        now = time.time()
        with immediate_transaction(self._db()) as db:
            db.execute("DELETE FROM login_checks WHERE key = ? AND ends <= ?", (key, now))
            busy = db.execute(
                "INSERT INTO login_checks (key, busy, ends) VALUES (?, 1, ?)"
                " ON CONFLICT(key) DO UPDATE SET busy = busy + 1, ends = excluded.ends"
                " RETURNING busy",
                (key, now + hold),
            ).fetchone()[0]
            row = db.execute(
                "SELECT count FROM login_failures WHERE key = ? AND ends > ?", (key, now)
            ).fetchone()
        return int(busy) + (int(row[0]) if row else 0)

    def end(self, key: str) -> None:
        with immediate_transaction(self._db()) as db:
            db.execute("UPDATE login_checks SET busy = busy - 1 WHERE key = ?", (key,))
            db.execute("DELETE FROM login_checks WHERE key = ? AND busy <= 0", (key,))


class LoginThrottle:
    def __init__(
        self, counter: Counter, *, window: int, per_account: int, per_address: int
    ) -> None:
        self.counter = counter
        self.window = window
        self.limits = {"account": per_account, "address": per_address, "device": per_account}

    def _keys(self, email: str, address: str, device: str | None) -> dict[str, str]:
        if device:
            return {"device": f"device:{device}"}
        return {"account": f"account:{email.strip().casefold()}", "address": f"address:{address}"}

    def retry_after(self, email: str, address: str, device: str | None = None) -> int:
        """Seconds to wait before trying again; 0 when a password may be tried now.
        ``device``: the id of the caller's known-device cookie for this account, if any."""
        wait = 0
        for kind, key in self._keys(email, address, device).items():
            failures, remaining = self.counter.count(key)
            if failures >= self.limits[kind]:
                wait = max(wait, remaining)
        return wait

    def begin(self, email: str, address: str, device: str | None = None) -> int:
        """Count a check that starts now on each of its counters; 0 when it may go on
        (then ``end`` must follow), else the seconds to wait (nothing left counted)."""
        wait = 0
        begun: list[str] = []
        try:
            for kind, key in self._keys(email, address, device).items():
                total = self.counter.begin(key, CHECK_HOLD)
                begun.append(key)
                if total > self.limits[kind]:
                    failures, remaining = self.counter.count(key)
                    # Held up by checks in progress alone: their outcome comes within
                    # seconds, a full window's wait would be a lie.
                    wait = max(wait, remaining if failures >= self.limits[kind] else 1)
        except BaseException:
            self._end(begun)
            raise
        if wait:
            self._end(begun)
        return wait

    def end(self, email: str, address: str, device: str | None = None) -> None:
        """The check begun with ``begin`` is over (its failure, if any, counted)."""
        self._end(list(self._keys(email, address, device).values()))

    def _end(self, keys: list[str]) -> None:
        for key in keys:
            try:
                self.counter.end(key)
            except (redis.RedisError, sqlite3.Error) as exc:
                # The check's outcome stands; its mark lapses after CHECK_HOLD.
                log.warning("throttle: a finished check stays counted a while: %s", exc)

    def failed(self, email: str, address: str, device: str | None = None) -> None:
        for key in self._keys(email, address, device).values():
            self.counter.add(key, self.window)

    def succeeded(self, email: str, device: str | None = None) -> None:
        keys = self._keys(email, "", device)
        self.counter.clear(keys["device"] if device else keys["account"])


def make_throttle(redis_url: str, sqlite_path: str, **limits: int) -> LoginThrottle:
    counter: Counter = RedisCounter(redis_url) if redis_url else SQLiteCounter(sqlite_path)
    return LoginThrottle(counter, **limits)
