"""Public keys by ``kid``: fetched from a JWKS URL and cached.

The cache is refreshed when it is older than ``ttl``; an unknown ``kid`` triggers a
refetch at most once per ``min_refetch_interval`` so that tokens with random ``kid``s
cannot turn every request into a call to the tokendealer.  When the tokendealer cannot
be reached the keys already known keep serving: verification never needs it per request.
A ``kid`` the cache does not know while its last fetch failed is :class:`KeysUnavailable`,
not "unknown": the key may well be published (a rotation), and only the fetch can tell.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

import jwt
import requests

log = logging.getLogger(__name__)


class KeysUnavailable(Exception):
    """The keys cannot be fetched, so a ``kid`` cannot be looked up: the server's trouble
    (a 503 to the client, after ``retry_after`` seconds), not the token's."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class KeySource(Protocol):
    """``get`` is the key, ``None`` for a kid that is not published, or raises
    :class:`KeysUnavailable` when it cannot know."""

    def get(self, kid: str) -> jwt.PyJWK | None: ...


def parse_jwks(document: Mapping[str, Any]) -> dict[str, jwt.PyJWK]:
    """Signing keys of a JWKS document by ``kid``; malformed keys are skipped, logged."""
    keys: dict[str, jwt.PyJWK] = {}
    for entry in document.get("keys", []):
        if not isinstance(entry, dict) or entry.get("use", "sig") != "sig":
            continue
        kid = entry.get("kid")
        if not isinstance(kid, str) or not entry.get("alg"):
            log.warning("JWKS entry without kid or alg skipped")
            continue
        try:
            keys[kid] = jwt.PyJWK(entry)
        except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError) as exc:
            log.warning("JWKS entry %s skipped: %s", kid, exc)
    return keys


class StaticKeys:
    """Keys in hand (tests, or the tokendealer verifying its own tokens)."""

    def __init__(self, keys: Mapping[str, jwt.PyJWK] | Iterable[jwt.PyJWK]) -> None:
        if isinstance(keys, Mapping):
            self._keys = dict(keys)
        else:
            self._keys = {k.key_id: k for k in keys if k.key_id}

    def get(self, kid: str) -> jwt.PyJWK | None:
        return self._keys.get(kid)


class JWKSCache:
    def __init__(
        self,
        url: str,
        http: requests.Session | None = None,
        *,
        ttl: float = 300,
        min_refetch_interval: float = 10,
        timeout: float = 3,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self.http = http or requests.Session()
        self.ttl = ttl
        self.min_refetch_interval = min_refetch_interval
        self.timeout = timeout
        self._clock = clock
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None
        self._attempted_at: float | None = None
        self._failing = False  # the last fetch failed: what is not known may exist
        self._lock = threading.Lock()
        self.fetch_count = 0

    def get(self, kid: str) -> jwt.PyJWK | None:
        now = self._clock()
        stale = self._fetched_at is None or now - self._fetched_at >= self.ttl
        if stale and self._may_refetch(now):
            self._refresh(now, reason="expired")
        key = self._keys.get(kid)
        if key is None and self._may_refetch(now):
            self._refresh(now, reason="unknown kid")
            key = self._keys.get(kid)
        if key is None and self._failing:
            raise KeysUnavailable(
                "the signing keys (JWKS) cannot be fetched from the tokendealer",
                retry_after=self._retry_after(),
            )
        return key

    def _retry_after(self) -> int:
        """Seconds until the next fetch may be tried (at least 1)."""
        waited = self._clock() - (self._attempted_at or 0)
        return max(1, math.ceil(self.min_refetch_interval - waited))

    def ready(self) -> bool:
        """True when keys are known (fetching them if none were yet)."""
        if not self._keys and self._may_refetch(self._clock()):
            self._refresh(self._clock(), reason="readiness")
        return bool(self._keys)

    def _may_refetch(self, now: float) -> bool:
        return self._attempted_at is None or now - self._attempted_at >= self.min_refetch_interval

    def _refresh(self, now: float, reason: str) -> None:
        with self._lock:
            # Another thread may have refreshed while this one waited for the lock; a
            # failing tokendealer is asked at most once per interval, too.
            if not self._may_refetch(now):
                return
            self._attempted_at = self._clock()
            try:
                response = self.http.get(self.url, timeout=self.timeout)
                response.raise_for_status()
                keys = parse_jwks(response.json())
            except (requests.RequestException, ValueError) as exc:
                self._failing = True
                log.warning(
                    "JWKS fetch from %s failed (%s); keeping %d known keys",
                    self.url,
                    exc,
                    len(self._keys),
                )
                return
            self.fetch_count += 1
            self._failing = False
            self._keys = keys
            self._fetched_at = self._attempted_at
            log.info("JWKS fetched (%s): %d keys", reason, len(keys))
