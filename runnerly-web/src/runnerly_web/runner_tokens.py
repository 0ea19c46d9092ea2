"""Runner tokens shared by every web process, in the sessions' Redis (decision 74).

Each process's ``ServiceTokenClient`` keeps the tokens it exchanged, but a runner's requests
land on any process: with two processes and runners who come back every minute, most of a
runner's tokens were exchanged twice, each exchange a call to the tokendealer and, through
it, one to the dataservice. Kept here until shortly before they expire, one exchange serves
them all. Without Redis (one machine's SQLite store) each process keeps its own, as before.

A cache, not a store: Redis failing to answer costs an exchange, never a request. A token
the dataservice refuses (a rotated key) is dropped here as in the process.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import time

import redis

log = logging.getLogger(__name__)
# Kept until this long before its expiry: longer than a call's timeouts (3 s to connect,
# 10 s to read), so a token is never sent that expires on its way.
MARGIN = 30


class SharedRunnerTokens:
    def __init__(self, url: str, prefix: str = "runnerly-web:token:") -> None:
        self.redis = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        self.prefix = prefix

    def _key(self, runner: int, scope: str) -> str:
        # The scope is part of the token: "admin" or not is a different token.
        return f"{self.prefix}{runner}:{hashlib.sha256(scope.encode()).hexdigest()[:16]}"

    def get(self, runner: int, scope: str) -> str | None:
        try:
            value = self.redis.get(self._key(runner, scope))
        except redis.RedisError as exc:
            log.warning("shared runner tokens unavailable: %s", exc)
            return None
        if value is None:
            return None
        return value.decode() if isinstance(value, bytes) else str(value)

    def put(self, runner: int, scope: str, token: str) -> None:
        # Our own tokendealer's token, just received over our own link: its expiry is read,
        # not trusted for anything else (the dataservice verifies the signature).
        expires = _expiry(token)
        if expires is None:
            return
        keep = int(expires - time.time() - MARGIN)
        if keep <= 0:
            return
        try:
            self.redis.set(self._key(runner, scope), token, ex=keep)
        except redis.RedisError as exc:
            log.warning("shared runner tokens unavailable: %s", exc)

    def drop(self, runner: int, scope: str) -> None:
        try:
            self.redis.delete(self._key(runner, scope))
        except redis.RedisError as exc:
            log.warning("shared runner tokens unavailable: %s", exc)


def _expiry(token: str) -> float | None:
    """A JWT's ``exp``, read from its payload without checking anything."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, binascii.Error):
        return None
    expires = claims.get("exp") if isinstance(claims, dict) else None
    return float(expires) if isinstance(expires, int | float) else None
