"""What token exchange needs to know about a runner, asked of the dataservice.

The tokendealer holds clients and keys, not runners: the dataservice is the system of
record.  Before a token is issued for a runner, ``RunnerDirectory`` reads
``GET /api/v1/users/{id}`` there with a service token the tokendealer signs for itself
(``users:read``, audience ``dataservice``, one minute), and keeps each answer for
``runner_cache_seconds``.  Anything but a runner or a 404 (the dataservice down, slow,
refusing our token) raises ``RunnerLookupFailed``: the grant then fails closed (503), it
never guesses.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from typing import Any

import requests

from runnerly_common.service_client import ServiceSession

DATASERVICE_AUDIENCE = "dataservice"
SELF_CLIENT_ID = "tokendealer"
SELF_TOKEN_TTL = 60
_CACHE_LIMIT = 10_000


@dataclasses.dataclass(frozen=True)
class Runner:
    id: int
    disabled: bool
    is_admin: bool


class RunnerLookupFailed(RuntimeError):
    """The dataservice could not say whether the runner exists."""


# (audiences, scopes, ttl) -> a signed token
Mint = Callable[[list[str], list[str], int], str]


class RunnerDirectory:
    def __init__(
        self,
        dataservice_url: str,
        mint: Mint,
        *,
        cache_seconds: float,
        timeout: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base_url = dataservice_url.rstrip("/")
        self._mint = mint
        self.cache_seconds = cache_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._cache: dict[int, tuple[float, Runner]] = {}
        self._token: tuple[float, str] | None = None
        self.http = ServiceSession(
            timeout=(min(timeout, 1.0), timeout),
            retries=1,
            token=self._service_token,
            on_unauthorized=self._forget_token,
        )

    def find(self, runner_id: int) -> Runner | None:
        """The runner, or None when the dataservice has no runner with this id."""
        now = self._clock()
        with self._lock:
            cached = self._cache.get(runner_id)
        if cached is not None and now < cached[0]:
            return cached[1]
        runner = self._fetch(runner_id)
        # A runner created right after a miss must not wait out the cache: only runners
        # found are kept.
        if self.cache_seconds > 0 and runner is not None:
            with self._lock:
                if len(self._cache) >= _CACHE_LIMIT:
                    self._cache = {k: v for k, v in self._cache.items() if v[0] > now}
                    if len(self._cache) >= _CACHE_LIMIT:  # all fresh: memory stays bounded
                        self._cache.clear()
                self._cache[runner_id] = (now + self.cache_seconds, runner)
        return runner

    def reachable(self) -> bool:
        """Whether the dataservice answers its ``/healthz`` (for ``/readyz``)."""
        # No token: /healthz takes none (None keeps ServiceSession from adding one).
        response = self.http.get(f"{self.base_url}/healthz", headers={"Authorization": None})
        return response.status_code == 200

    def _fetch(self, runner_id: int) -> Runner | None:
        url = f"{self.base_url}/api/v1/users/{runner_id}"
        try:
            response = self.http.get(url)
        except requests.RequestException as exc:
            raise RunnerLookupFailed(f"the dataservice cannot be reached: {exc}") from None
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise RunnerLookupFailed(f"the dataservice answered {response.status_code}")
        try:
            body: Any = response.json()
            return Runner(
                id=runner_id, disabled=bool(body["disabled"]), is_admin=bool(body["is_admin"])
            )
        except (ValueError, TypeError, KeyError):
            raise RunnerLookupFailed("the dataservice answered with no runner") from None

    def _service_token(self) -> str:
        now = self._clock()
        with self._lock:
            if self._token is not None and now < self._token[0]:
                return self._token[1]
        token = self._mint([DATASERVICE_AUDIENCE], ["users:read"], SELF_TOKEN_TTL)
        with self._lock:
            self._token = (now + SELF_TOKEN_TTL / 2, token)
        return token

    def _forget_token(self) -> None:
        with self._lock:
            self._token = None
