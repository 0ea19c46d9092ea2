"""Calling other services: a pooled HTTP session and a cached service token.

``ServiceTokenClient`` gets tokens with ``client_credentials`` (or a runner's by token
exchange) and keeps each until shortly before it expires.  Threads that need the same token
while it is being fetched wait for that one request and share its answer, a refusal
included; a thread that needs another token (another runner's) does not wait for it.
``ServiceSession`` adds timeouts, connection pooling, retries for idempotent calls, the
current request id, and (optionally) the bearer token.  Both it and ``CookielessSession``
(for third parties: Strava) keep no cookie from one call to the next.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from http.cookiejar import Cookie, DefaultCookiePolicy
from typing import Any
from urllib.request import Request

import requests
from requests.adapters import HTTPAdapter
from requests.cookies import RequestsCookieJar
from urllib3.util.retry import Retry

from runnerly_common.requestid import HEADER as REQUEST_ID_HEADER
from runnerly_common.requestid import current_request_id

TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
RUNNER_ID_TOKEN_TYPE = "urn:runnerly:params:oauth:token-type:runner-id"


class TokenError(RuntimeError):
    """The tokendealer refused or could not be reached.  ``status`` and ``error`` (its
    RFC 6749 error code) say which: both None when it could not be reached."""

    def __init__(self, message: str, *, status: int | None = None, error: str | None = None):
        super().__init__(message)
        self.status = status
        self.error = error


class _KeepNone(DefaultCookiePolicy):
    def set_ok(self, cookie: Cookie, request: Request) -> bool:
        return False


class CookielessSession(requests.Session):
    """A ``requests.Session`` that pools connections and keeps no cookie an answer sets.

    One session serves a process's calls for every runner (a token exchange, a refresh):
    a cookie Strava set in one runner's answer would otherwise go with the next runner's
    request.  A cookie passed to one call (``cookies=``) is still sent with that call."""

    def __init__(self) -> None:
        super().__init__()
        self.cookies = RequestsCookieJar(policy=_KeepNone())


class ServiceSession(CookielessSession):
    def __init__(
        self,
        *,
        timeout: float | tuple[float, float] = (3.05, 10),
        pool_size: int = 20,
        retries: int = 2,
        token: Callable[[], str] | None = None,
        on_unauthorized: Callable[[], None] | None = None,
    ) -> None:
        super().__init__()
        self.timeout = timeout
        self.token = token
        self.on_unauthorized = on_unauthorized
        retry = Retry(
            total=retries,
            connect=retries,
            read=retries,
            status=retries,
            backoff_factor=0.2,
            status_forcelist=(502, 503, 504),
            allowed_methods=frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"}),
            raise_on_status=False,
        )
        adapter = HTTPAdapter(pool_connections=pool_size, pool_maxsize=pool_size, max_retries=retry)
        self.mount("http://", adapter)
        self.mount("https://", adapter)

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs.setdefault("timeout", self.timeout)
        headers = dict(kwargs.pop("headers", None) or {})
        request_id = current_request_id()
        if request_id and REQUEST_ID_HEADER not in headers:
            headers[REQUEST_ID_HEADER] = request_id
        with_token = self.token is not None and "Authorization" not in headers
        if with_token:
            headers["Authorization"] = f"Bearer {self.token()}"  # type: ignore[misc]
        kwargs["headers"] = headers
        response = super().request(method, url, *args, **kwargs)
        if with_token and response.status_code == 401 and self.on_unauthorized:
            # A key rotation or a revoked token: one retry with a fresh token.
            self.on_unauthorized()
            headers["Authorization"] = f"Bearer {self.token()}"  # type: ignore[misc]
            response = super().request(method, url, *args, **kwargs)
        return response


class _CachedToken:
    __slots__ = ("expires_at", "value")

    def __init__(self, value: str, expires_at: float) -> None:
        self.value = value
        self.expires_at = expires_at


class _Flight:
    """One token request in progress, and what it brought (for the threads waiting on it)."""

    __slots__ = ("done", "error", "value")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: str | None = None
        self.error: TokenError | None = None


class ServiceTokenClient:
    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        *,
        audience: str,
        scope: str | None = None,
        http: requests.Session | None = None,
        refresh_margin: float = 60,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self.client_secret = client_secret
        self.audience = audience
        self.scope = scope
        self.http = http or ServiceSession(retries=1)
        self.refresh_margin = refresh_margin
        self._clock = clock
        # Guards the cache, the requests in flight and the generation; never held while
        # the tokendealer is asked (it may take seconds: a token exchange waits on the
        # dataservice), so one runner's slow exchange holds up no other token.
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, ...], _CachedToken] = {}
        self._flights: dict[tuple[str, ...], _Flight] = {}
        self._generation = 0  # invalidate() counts: a request begun before one is not kept

    def token(self) -> str:
        """A service token for ``audience``, fetched only when the cached one is near expiry."""
        form = {"grant_type": "client_credentials", "audience": self.audience}
        if self.scope:
            form["scope"] = self.scope
        return self._get(("service",), form)

    def user_token(self, runner_id: str, scope: str) -> str:
        """A short-lived token whose ``sub`` is the runner (RFC 8693 token exchange)."""
        form = {
            "grant_type": TOKEN_EXCHANGE,
            "subject_token": runner_id,
            "subject_token_type": RUNNER_ID_TOKEN_TYPE,
            "audience": self.audience,
            "scope": scope,
        }
        return self._get(("user", runner_id, scope), form)

    def invalidate(self) -> None:
        with self._lock:
            self._cache.clear()
            self._generation += 1

    def authorized_session(self, **kwargs: Any) -> ServiceSession:
        """A session that sends this client's service token with every call."""
        return ServiceSession(token=self.token, on_unauthorized=self.invalidate, **kwargs)

    def _get(self, key: tuple[str, ...], form: dict[str, str]) -> str:
        cached = self._cache.get(key)
        if cached and self._clock() < cached.expires_at:
            return cached.value
        with self._lock:
            cached = self._cache.get(key)
            if cached and self._clock() < cached.expires_at:
                return cached.value
            flight = self._flights.get(key)
            leading = flight is None
            if flight is None:
                flight = self._flights[key] = _Flight()
            generation = self._generation
        if not leading:
            # The same token is on its way: its answer is this thread's too. A refusal
            # (or an unreachable tokendealer) is not asked again by every waiting thread
            # in turn, each after the last one's timeout.
            flight.done.wait()
            if flight.error is not None:
                error = flight.error
                raise TokenError(str(error), status=error.status, error=error.error) from error
            assert flight.value is not None
            return flight.value
        try:
            value = self._fetch(key, form, generation)
            flight.value = value
            return value
        except TokenError as exc:
            flight.error = exc
            raise
        except BaseException as exc:
            flight.error = TokenError(f"token request failed: {exc!r}")
            raise
        finally:
            with self._lock:
                del self._flights[key]
            flight.done.set()

    def _fetch(self, key: tuple[str, ...], form: dict[str, str], generation: int) -> str:
        requested_at = self._clock()
        try:
            response = self.http.post(
                self.token_url, data=form, auth=(self.client_id, self.client_secret)
            )
        except requests.RequestException as exc:
            raise TokenError(f"tokendealer unreachable: {exc}") from exc
        if response.status_code != 200:
            raise TokenError(
                f"tokendealer refused ({response.status_code}): {response.text[:200]}",
                status=response.status_code,
                error=_oauth_error(response),
            )
        body = response.json()
        lifetime = float(body.get("expires_in", 0))
        margin = min(self.refresh_margin, lifetime / 2)
        access_token: str = body["access_token"]
        with self._lock:
            # Invalidated while in flight (a 401 elsewhere: a rotated key): the caller may
            # use this token, the next one asks again.
            if generation == self._generation:
                self._cache[key] = _CachedToken(access_token, requested_at + lifetime - margin)
            if len(self._cache) > 1024:  # user tokens: keep memory bounded
                self._cache = {k: v for k, v in self._cache.items() if v.expires_at > requested_at}
        return access_token


def _oauth_error(response: requests.Response) -> str | None:
    """The RFC 6749 ``error`` of a refusal, if it has one."""
    try:
        body = response.json()
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, str) else None
