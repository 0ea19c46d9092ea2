"""Single-use links: password reset and email confirmation tokens.

The runner gets a random token (256 bits) in a link; the server keeps only its SHA-256, so
a copy of the store (a backup, a Redis dump) opens no account.  Each token belongs to one
purpose (a reset token confirms no email) and one runner, lives ``ttl`` seconds, and is
*redeemed* atomically: of two requests with the same token, exactly one wins (Redis: a Lua
script; SQLite: one ``UPDATE ... RETURNING``).  A record outlives its token by
``KEEP_SECONDS``, so a refused token can be named as used, expired or replaced rather than
just "invalid" — the runner then knows whether to look for a newer email or ask again.

The store is the sessions' (``RUNNERLY_WEB_REDIS_URL``, else the SQLite file): every web
process sees a token redeemed or revoked at once.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

import redis

from runnerly_common.sqlite_files import immediate_transaction

KEEP_SECONDS = 86400  # how long a used or expired token is still recognised as such
Reason = Literal["unknown", "used", "expired", "replaced"]


class TokenRefused(Exception):
    def __init__(self, reason: Reason) -> None:
        super().__init__(reason)
        self.reason: Reason = reason


@dataclass(frozen=True)
class Redeemed:
    user_id: int
    data: dict[str, Any]


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenStore(Protocol):
    def issue(self, purpose: str, user_id: int, data: dict[str, Any], ttl: int) -> str:
        """A new token of ``purpose`` for ``user_id`` carrying ``data``."""

    def peek(self, purpose: str, token: str) -> Redeemed:
        """What ``token`` would redeem, without redeeming it; :class:`TokenRefused`."""

    def redeem(self, purpose: str, token: str) -> Redeemed:
        """The token, used up (once only); :class:`TokenRefused` naming why not."""

    def revoke_all(self, purpose: str, user_id: int) -> None:
        """Every open token of ``purpose`` of the runner stops working ("replaced")."""


# A record: "<state>|<expires>|<user_id>|<data JSON>", state o(pen), u(sed), r(eplaced).
_REDEEM = """
local v = redis.call('GET', KEYS[1])
if not v then return false end
if ARGV[2] == '1' and string.sub(v, 1, 1) == 'o' then
  local expires = tonumber(string.match(v, '^o|([^|]+)|'))
  if tonumber(ARGV[1]) < expires then
    redis.call('SET', KEYS[1], 'u' .. string.sub(v, 2), 'KEEPTTL')
    return {'redeemed', v}
  end
end
return {'seen', v}
"""
_REVOKE = """
for _, key in ipairs(KEYS) do
  local v = redis.call('GET', key)
  if v and string.sub(v, 1, 1) == 'o' then
    redis.call('SET', key, 'r' .. string.sub(v, 2), 'KEEPTTL')
  end
end
return #KEYS
"""


def _refusal(state: str, expires: float, now: float) -> TokenRefused:
    if state == "u":
        return TokenRefused("used")
    if state == "r":
        return TokenRefused("replaced")
    if now >= expires:
        return TokenRefused("expired")
    return TokenRefused("unknown")


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class RedisTokenStore:
    def __init__(self, url: str, prefix: str = "runnerly-web:token:") -> None:
        self.redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.prefix = prefix
        self._redeem = self.redis.register_script(_REDEEM)
        self._revoke = self.redis.register_script(_REVOKE)

    def _key(self, purpose: str, hashed: str) -> str:
        return f"{self.prefix}{purpose}:{hashed}"

    def _runner(self, purpose: str, user_id: int) -> str:
        return f"{self.prefix}{purpose}:user:{user_id}"

    def issue(self, purpose: str, user_id: int, data: dict[str, Any], ttl: int) -> str:
        token = secrets.token_urlsafe(32)
        hashed = digest(token)
        record = f"o|{time.time() + ttl}|{user_id}|{json.dumps(data)}"
        pipe = self.redis.pipeline()
        pipe.set(self._key(purpose, hashed), record, ex=ttl + KEEP_SECONDS)
        pipe.sadd(self._runner(purpose, user_id), hashed)
        pipe.expire(self._runner(purpose, user_id), ttl + KEEP_SECONDS)
        pipe.execute()
        return token

    def _use(self, purpose: str, token: str, redeem: bool) -> Redeemed:
        now = time.time()
        answer = self._redeem(keys=[self._key(purpose, digest(token))], args=[now, int(redeem)])
        if not answer:
            raise TokenRefused("unknown")
        outcome, record = _text(answer[0]), _text(answer[1])
        state, expires, user_id, data = record.split("|", 3)
        if (redeem and outcome != "redeemed") or (
            not redeem and (state != "o" or now >= float(expires))
        ):
            raise _refusal(state, float(expires), now)
        return Redeemed(int(user_id), json.loads(data))

    def peek(self, purpose: str, token: str) -> Redeemed:
        return self._use(purpose, token, redeem=False)

    def redeem(self, purpose: str, token: str) -> Redeemed:
        return self._use(purpose, token, redeem=True)

    def revoke_all(self, purpose: str, user_id: int) -> None:
        runner = self._runner(purpose, user_id)
        hashes = [_text(m) for m in self.redis.smembers(runner)]
        if hashes:
            self._revoke(keys=[self._key(purpose, h) for h in hashes])
        self.redis.delete(runner)


class SQLiteTokenStore:
    def __init__(self, path: str) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._local = threading.local()
        self._db().execute(
            "CREATE TABLE IF NOT EXISTS one_time_tokens (hash TEXT PRIMARY KEY,"
            " purpose TEXT NOT NULL, user_id INTEGER NOT NULL, data TEXT NOT NULL,"
            " state TEXT NOT NULL, expires REAL NOT NULL, keep_until REAL NOT NULL)"
        )
        self._db().execute(
            "CREATE INDEX IF NOT EXISTS one_time_tokens_user ON one_time_tokens (user_id)"
        )

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=5, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            self._local.db = db
        return db

    def issue(self, purpose: str, user_id: int, data: dict[str, Any], ttl: int) -> str:
        token = secrets.token_urlsafe(32)
        now = time.time()
        with immediate_transaction(self._db()) as db:
            db.execute("DELETE FROM one_time_tokens WHERE keep_until <= ?", (now,))
            db.execute(
                "INSERT INTO one_time_tokens VALUES (?, ?, ?, ?, 'o', ?, ?)",
                (
                    digest(token),
                    purpose,
                    user_id,
                    json.dumps(data),
                    now + ttl,
                    now + ttl + KEEP_SECONDS,
                ),
            )
        return token

    def _refused(self, purpose: str, hashed: str, now: float) -> TokenRefused:
        row = (
            self._db()
            .execute(
                "SELECT state, expires FROM one_time_tokens"
                " WHERE hash = ? AND purpose = ? AND keep_until > ?",
                (hashed, purpose, now),
            )
            .fetchone()
        )
        return _refusal(row[0], row[1], now) if row else TokenRefused("unknown")

    def peek(self, purpose: str, token: str) -> Redeemed:
        now, hashed = time.time(), digest(token)
        row = (
            self._db()
            .execute(
                "SELECT user_id, data FROM one_time_tokens"
                " WHERE hash = ? AND purpose = ? AND state = 'o' AND expires > ?",
                (hashed, purpose, now),
            )
            .fetchone()
        )
        if row is None:
            raise self._refused(purpose, hashed, now)
        return Redeemed(row[0], json.loads(row[1]))

    def redeem(self, purpose: str, token: str) -> Redeemed:
        now, hashed = time.time(), digest(token)
        # One statement: of two concurrent redemptions only one finds the row still open.
        rows = (
            self._db()
            .execute(
                "UPDATE one_time_tokens SET state = 'u'"
                " WHERE hash = ? AND purpose = ? AND state = 'o' AND expires > ?"
                " RETURNING user_id, data",
                (hashed, purpose, now),
            )
            .fetchall()  # every row stepped: the statement (and its change) completes here
        )
        if not rows:
            raise self._refused(purpose, hashed, now)
        return Redeemed(rows[0][0], json.loads(rows[0][1]))

    def revoke_all(self, purpose: str, user_id: int) -> None:
        self._db().execute(
            "UPDATE one_time_tokens SET state = 'r'"
            " WHERE purpose = ? AND user_id = ? AND state = 'o'",
            (purpose, user_id),
        )


def make_token_store(redis_url: str, sqlite_path: str) -> TokenStore:
    return RedisTokenStore(redis_url) if redis_url else SQLiteTokenStore(sqlite_path)
