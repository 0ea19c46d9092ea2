"""The rate budget, runner locks and last syncs in a SQLite file: the local default, no
Redis needed.

``BEGIN IMMEDIATE`` serialises writers across processes on one machine, which is all a
local worker (prefork or solo) needs.  Several machines must use :mod:`redis_store`.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar

from runnerly_common.sqlite_files import immediate_transaction
from strava_worker.budget import Windows
from strava_worker.hints import HINTS_MAX, Hints

_T = TypeVar("_T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, value INTEGER, expires REAL);
CREATE TABLE IF NOT EXISTS locks (name TEXT PRIMARY KEY, owner TEXT, expires REAL);
CREATE TABLE IF NOT EXISTS synced (user_id INTEGER PRIMARY KEY, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- kind: fresh | check (activity_id an activity) | deauth (activity_id 0, flag its value)
CREATE TABLE IF NOT EXISTS hints (
  athlete INTEGER, kind TEXT, activity_id INTEGER, event_time REAL, flag TEXT,
  PRIMARY KEY (athlete, kind, activity_id)
);
"""


class SqliteStore:
    def __init__(self, path: str) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        with self._connect() as conn:
            conn.executescript(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        return conn

    def _transaction(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        conn = self._connect()
        try:
            with immediate_transaction(conn):
                conn.execute("DELETE FROM counters WHERE expires < ?", (time.time(),))
                return work(conn)
        finally:
            conn.close()

    @staticmethod
    def _keys(windows: Windows, now: float) -> list[tuple[str, float]]:
        short, day = windows.starts(now)
        return [
            (f"short:{short}", short + windows.short_seconds * 2),
            (f"day:{day}", day + windows.day_seconds * 2),
        ]

    @staticmethod
    def _get(conn: sqlite3.Connection, key: str) -> int:
        row = conn.execute("SELECT value FROM counters WHERE key = ?", (key,)).fetchone()
        return row[0] if row else 0

    def reserve(self, windows: Windows, now: float) -> tuple[bool, bool]:
        def work(conn: sqlite3.Connection) -> tuple[bool, bool]:
            (short, short_exp), (day, day_exp) = self._keys(windows, now)
            if self._get(conn, day) >= windows.limit_daily:
                return False, True
            if self._get(conn, short) >= windows.limit_short:
                return False, False
            for key, expires in ((short, short_exp), (day, day_exp)):
                conn.execute(
                    "INSERT INTO counters VALUES (?, 1, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = value + 1",
                    (key, expires),
                )
            return True, False

        return self._transaction(work)

    def raise_to(self, windows: Windows, now: float, short: int, daily: int) -> None:
        def work(conn: sqlite3.Connection) -> None:
            for (key, expires), value in zip(self._keys(windows, now), (short, daily), strict=True):
                conn.execute(
                    "INSERT INTO counters VALUES (?, ?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = max(value, excluded.value)",
                    (key, value, expires),
                )

        self._transaction(work)

    def acquire(self, name: str, owner: str, seconds: int) -> bool:
        def work(conn: sqlite3.Connection) -> bool:
            now = time.time()
            conn.execute("DELETE FROM locks WHERE name = ? AND expires < ?", (name, now))
            cursor = conn.execute(
                "INSERT OR IGNORE INTO locks VALUES (?, ?, ?)", (name, owner, now + seconds)
            )
            return cursor.rowcount == 1

        return self._transaction(work)

    def release(self, name: str, owner: str) -> None:
        self._transaction(
            lambda conn: conn.execute(
                "DELETE FROM locks WHERE name = ? AND owner = ?", (name, owner)
            )
        )

    def usage(self, windows: Windows, now: float) -> tuple[int, int]:
        conn = self._connect()
        try:
            (short, _), (day, _) = self._keys(windows, now)
            return self._get(conn, short), self._get(conn, day)
        finally:
            conn.close()

    def record_sync(self, user_id: int, at: float) -> None:
        self._transaction(
            lambda conn: conn.execute(
                "INSERT INTO synced VALUES (?, ?) "
                "ON CONFLICT(user_id) DO UPDATE SET at = max(at, excluded.at)",
                (user_id, at),
            )
        )

    def forget_sync(self, user_id: int) -> None:
        self._transaction(
            lambda conn: conn.execute("DELETE FROM synced WHERE user_id = ?", (user_id,))
        )

    def reconcile_syncs(self, synced: Mapping[int, float]) -> None:
        def work(conn: sqlite3.Connection) -> None:
            kept = {row[0] for row in conn.execute("SELECT user_id FROM synced")}
            gone = kept - synced.keys()
            conn.executemany("DELETE FROM synced WHERE user_id = ?", [(u,) for u in gone])
            conn.executemany(
                "INSERT INTO synced VALUES (?, ?) "
                "ON CONFLICT(user_id) DO UPDATE SET at = max(at, excluded.at)",
                list(synced.items()),
            )

        self._transaction(work)

    def oldest_sync(self) -> float | None:
        conn = self._connect()
        try:
            oldest: float | None = conn.execute("SELECT min(at) FROM synced").fetchone()[0]
            return oldest
        finally:
            conn.close()

    # --- webhook events ---

    def subscription_id(self) -> int | None:
        conn = self._connect()
        try:
            row = conn.execute("SELECT value FROM kv WHERE key = 'subscription'").fetchone()
        finally:
            conn.close()
        return int(row[0]) if row else None

    def set_subscription_id(self, subscription_id: int) -> None:
        self._transaction(
            lambda conn: conn.execute(
                "INSERT INTO kv VALUES ('subscription', ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (str(int(subscription_id)),),
            )
        )

    def add_hint(
        self, athlete: int, activity_id: int | None, event_time: float, claim_seconds: int
    ) -> bool:
        def work(conn: sqlite3.Connection) -> None:
            if activity_id is None:
                conn.execute(
                    "INSERT INTO hints VALUES (?, 'deauth', 0, ?, ?) ON CONFLICT DO UPDATE "
                    "SET event_time = excluded.event_time, flag = excluded.flag",
                    (athlete, event_time, uuid.uuid4().hex),
                )
                return
            count = conn.execute(
                "SELECT count(*) FROM hints WHERE athlete = ? AND kind = 'fresh'", (athlete,)
            ).fetchone()[0]
            if count < HINTS_MAX:
                conn.execute(
                    "INSERT OR IGNORE INTO hints VALUES (?, 'fresh', ?, ?, NULL)",
                    (athlete, int(activity_id), event_time),
                )

        self._transaction(work)
        return self.acquire(f"drain:{athlete}", "drain", claim_seconds)

    def keep_claim(self, athlete: int, claim_seconds: int) -> bool:
        def work(conn: sqlite3.Connection) -> bool:
            waiting = conn.execute(
                "SELECT count(*) FROM hints WHERE athlete = ?", (athlete,)
            ).fetchone()[0]
            if not waiting:
                conn.execute("DELETE FROM locks WHERE name = ?", (f"drain:{athlete}",))
                return False
            conn.execute(
                "INSERT INTO locks VALUES (?, 'drain', ?) "
                "ON CONFLICT(name) DO UPDATE SET expires = excluded.expires",
                (f"drain:{athlete}", time.time() + claim_seconds),
            )
            return True

        return self._transaction(work)

    def peek_hints(self, athlete: int) -> Hints:
        conn = self._connect()
        try:
            rows = conn.execute(
                "SELECT kind, activity_id, event_time, flag FROM hints WHERE athlete = ?",
                (athlete,),
            ).fetchall()
        finally:
            conn.close()
        fresh = {a: t for kind, a, t, _ in rows if kind == "fresh"}
        check = {a: t for kind, a, t, _ in rows if kind == "check"}
        flags = [flag for kind, _, _, flag in rows if kind == "deauth"]
        return Hints(fresh, check, flags[0] if flags else None)

    def settle_hints(self, athlete: int, done: Hints, recheck: dict[int, float]) -> None:
        def work(conn: sqlite3.Connection) -> None:
            for kind, ids in (("fresh", done.fresh), ("check", done.check)):
                conn.executemany(
                    "DELETE FROM hints WHERE athlete = ? AND kind = ? AND activity_id = ?",
                    [(athlete, kind, i) for i in ids],
                )
            if done.deauth:
                conn.execute(
                    "DELETE FROM hints WHERE athlete = ? AND kind = 'deauth' AND flag = ?",
                    (athlete, done.deauth),
                )
            count = conn.execute(
                "SELECT count(*) FROM hints WHERE athlete = ? AND kind = 'check'", (athlete,)
            ).fetchone()[0]
            kept = sorted(recheck.items(), key=lambda item: item[1])[: max(HINTS_MAX - count, 0)]
            conn.executemany(
                "INSERT OR IGNORE INTO hints VALUES (?, 'check', ?, ?, NULL)",
                [(athlete, i, t) for i, t in kept],
            )

        self._transaction(work)

    def clear_hints(self, athlete: int) -> None:
        def work(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM hints WHERE athlete = ?", (athlete,))
            conn.execute("DELETE FROM locks WHERE name = ?", (f"drain:{athlete}",))

        self._transaction(work)
