"""Calls to the dataservice: as runnerly-web itself (a service token) or on a runner's
behalf (a token exchanged for that runner, so the dataservice enforces "only their own").

The dataservice's client errors reach the browser as they are (status, code, message and
the fields at fault): it validated the data, so it names the field best.  Its failures,
and a tokendealer that refuses us, are 503: the runner did nothing wrong.
"""

from __future__ import annotations

import json as _json
import logging
from datetime import date, datetime
from typing import Any

import requests

from runnerly_common.errors import APIError
from runnerly_common.service_client import ServiceSession, ServiceTokenClient, TokenError
from runnerly_web.runner_tokens import SharedRunnerTokens

log = logging.getLogger(__name__)
PREFIX = "/api/v1"


class DataService:
    def __init__(
        self,
        base_url: str,
        tokens: ServiceTokenClient,
        user_scope: str,
        http: requests.Session | None = None,
        *,
        connections: int = 20,
        shared: SharedRunnerTokens | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.tokens = tokens
        self.user_scope = user_scope
        self.http = http or ServiceSession(retries=1, pool_size=connections)
        # Runner tokens every web process uses (with Redis); else each process's own.
        self.shared = shared

    def call(
        self,
        method: str,
        path: str,
        *,
        runner: int | None = None,
        admin: bool = False,
        json: Any = None,
        params: dict[str, Any] | None = None,
        data: bytes | None = None,
        content_type: str | None = None,
        allow: tuple[int, ...] = (),
        stream: bool = False,
    ) -> requests.Response:
        """Send one request; a 4xx not in ``allow`` is raised as the same APIError.

        ``runner`` makes it a call on that runner's behalf; ``admin`` adds the ``admin``
        scope to that runner's token (the dataservice checks they are an admin now);
        ``stream`` leaves a success's body unread (the caller reads and closes it)."""
        url = f"{self.base_url}{PREFIX}{path}"
        if json is not None:
            # Validated bodies hold dates and instants as Python values.
            data = _json.dumps(json, default=_iso).encode()
            content_type = "application/json"
        headers = {"Content-Type": content_type} if content_type else {}
        response = None
        for attempt in (1, 2):
            headers["Authorization"] = f"Bearer {self._token(runner, admin)}"
            try:
                response = self.http.request(
                    method, url, params=params, data=data, headers=headers, stream=stream
                )
            except requests.RequestException as exc:
                log.warning("dataservice unreachable: %s", exc)
                raise unavailable("the dataservice cannot be reached") from None
            if response.status_code != 401 or attempt == 2:
                break
            # A rotated signing key or a revoked token: once more with a fresh one.
            self.tokens.invalidate()
            if runner is not None and self.shared is not None:
                self.shared.drop(runner, self._scope(admin))
        assert response is not None
        if response.status_code < 400 or response.status_code in allow:
            return response
        if response.status_code == 401 or response.status_code >= 500:
            log.error("dataservice answered %s to %s %s", response.status_code, method, path)
            raise unavailable("the dataservice failed to answer; try again shortly")
        raise _passed_on(response)

    def authorize(self, runner: int) -> None:
        """Get the runner's token now (or find it cached), raising as ``call`` would: before
        calls made side by side, so that a refusal is one request to the tokendealer."""
        self._token(runner, False)

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        return self.call(method, path, **kwargs).json()

    def ready(self) -> bool:
        return self.http.get(f"{self.base_url}/healthz", timeout=2).status_code == 200

    def _scope(self, admin: bool) -> str:
        return f"{self.user_scope} admin" if admin else self.user_scope

    def _token(self, runner: int | None, admin: bool) -> str:
        try:
            if runner is None:
                return self.tokens.token()
            scope = self._scope(admin)
            if self.shared is None:
                return self.tokens.user_token(str(runner), scope)
            token = self.shared.get(runner, scope)
            if token is None:
                token = self.tokens.user_token(str(runner), scope)
                self.shared.put(runner, scope, token)
            return token
        except TokenError as exc:
            if runner is not None and exc.status == 400:
                # The tokendealer asked the dataservice: the runner is gone or disabled
                # (invalid_request), or not an administrator (invalid_scope).
                log.warning("no token for runner %s: %s", runner, exc)
                if exc.error == "invalid_scope":
                    raise APIError(403, "forbidden", "administrators only") from None
                raise APIError(
                    401, "not_authenticated", "this session has ended; log in again"
                ) from None
            log.error("no token from the tokendealer: %s", exc)
            raise unavailable("the sign-in service cannot be reached; try again shortly") from None


def _iso(value: Any) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def unavailable(message: str) -> APIError:
    return APIError(503, "service_unavailable", message, headers={"Retry-After": "5"})


def _passed_on(response: requests.Response) -> APIError:
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    extra = {"errors": body["errors"]} if isinstance(body.get("errors"), list) else {}
    return APIError(
        response.status_code,
        str(body.get("code") or "request_failed"),
        str(body.get("message") or f"the request failed ({response.status_code})"),
        **extra,
    )
