"""Public keys by ``kid``: fetched from a JWKS URL and cached.

The cache is refreshed when it is older than ``ttl``, or than the ``max-age`` of the
JWKS's Cache-Control when that is shorter: the tokendealer's says how soon a revoked key
must stop verifying (60 s).  A refresh asks with the ETag it holds, so the tokendealer
answers an unchanged JWKS with a bodyless 304.  An unknown ``kid`` triggers a
refetch at most once per ``min_refetch_interval`` so that tokens with random ``kid``s
cannot turn every request into a call to the tokendealer.  When the tokendealer cannot
be reached the keys already known keep serving: verification never needs it per request.
A ``kid`` the cache does not know while its last fetch failed is :class:`KeysUnavailable`,
not "unknown": the key may well be published (a rotation), and only the fetch can tell.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

import jwt
import requests

log = logging.getLogger(__name__)

_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)", re.IGNORECASE)
_NOT_CACHEABLE = re.compile(r"(?:^|,)\s*(?:no-store|no-cache)\b", re.IGNORECASE)
# Kids seen in the JWKS and gone from it since (revoked, or retired and expired),
# remembered so a token naming one is told so; bounded so a long life cannot grow it.
_WITHDRAWN_REMEMBERED = 256


def cache_lifetime(cache_control: str | None, default: float) -> float:
    """Seconds a JWKS answer may be used: its ``max-age`` if shorter than ``default``
    (0 for ``no-store``/``no-cache``), ``default`` without one."""
    if not cache_control:
        return default
    if _NOT_CACHEABLE.search(cache_control):
        return 0
    ages = [int(m) for m in _MAX_AGE.findall(cache_control)]
    return min([default, *ages])


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


def withdrawn(keys: KeySource, kid: str) -> bool:
    """Whether ``keys`` saw ``kid`` published once and no more (a source that cannot
    tell says no)."""
    check = getattr(keys, "withdrawn", None)
    return bool(check(kid)) if callable(check) else False


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
        self._withdrawn: dict[str, None] = {}  # insertion-ordered, oldest first
        self._etag: str | None = None
        self._fresh_for = ttl  # the last answer's lifetime (its max-age, when shorter)
        self._fetched_at: float | None = None
        self._attempted_at: float | None = None
        self._failing = False  # the last fetch failed: what is not known may exist
        self._lock = threading.Lock()
        self.fetch_count = 0

    def get(self, kid: str) -> jwt.PyJWK | None:
        now = self._clock()
        stale = self._fetched_at is None or now - self._fetched_at >= self._fresh_for
        if stale and self._may_refetch(now):
            self._refresh(now, reason="expired")
        key = self._keys.get(kid)
        if key is None:
            if self._lock.locked():
                # Another thread's fetch is on its way (a threaded worker's first requests):
                # it may bring this key, and within the interval this thread may not fetch.
                with self._lock:
                    pass
            # Read again even when no fetch is on its way now: one that ended between the
            # read above and that check brought keys this thread has not looked at.
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

    def withdrawn(self, kid: str) -> bool:
        """``kid`` was in an earlier JWKS and is not in the latest."""
        return kid in self._withdrawn

    def _retry_after(self) -> int:
        """Seconds until the next fetch may be tried (at least 1)."""
        waited = self._clock() - (self._attempted_at or 0)
        return max(1, math.ceil(self.min_refetch_interval - waited))

    def ready(self) -> bool:
        """True when keys are known (fetching them if none were yet)."""
        if not self._keys and self._lock.locked():
            with self._lock:  # a fetch in flight on another thread
                pass
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
            headers = {"If-None-Match": self._etag} if self._etag and self._keys else {}
            try:
                response = self.http.get(self.url, timeout=self.timeout, headers=headers)
                response.raise_for_status()
                unchanged = response.status_code == 304
                keys = self._keys if unchanged else parse_jwks(response.json())
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
            for gone in self._keys.keys() - keys.keys():
                self._withdrawn[gone] = None
                log.warning("JWKS: key %s is no longer published (revoked or retired)", gone)
            for kid in keys:
                self._withdrawn.pop(kid, None)
            while len(self._withdrawn) > _WITHDRAWN_REMEMBERED:
                del self._withdrawn[next(iter(self._withdrawn))]
            self._keys = keys
            self._etag = response.headers.get("ETag") or (self._etag if unchanged else None)
            self._fresh_for = cache_lifetime(response.headers.get("Cache-Control"), self.ttl)
            self._fetched_at = self._attempted_at
            if unchanged:
                log.debug("JWKS unchanged (%s)", reason)
            else:
                log.info("JWKS fetched (%s): %d keys", reason, len(keys))
