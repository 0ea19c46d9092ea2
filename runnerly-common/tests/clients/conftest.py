"""A tokendealer stand-in and a downstream service, both real HTTP servers that count calls."""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask, request

from runnerly_common.service_client import ServiceTokenClient


class TokenEndpoint:
    """``POST /oauth/token``: hands out ``token-1``, ``token-2``... and records each call."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.expires_in = 300
        self.delay = 0.0  # seconds each answer takes
        self.delays: dict[str, float] = {}  # by subject_token: one runner's slow exchange
        self.refuse = False  # answer 401 invalid_client
        self._lock = threading.Lock()
        self.app = Flask("tokendealer-stand-in")
        self.app.post("/oauth/token")(self._token)

    def _token(self) -> Any:
        auth = base64.b64decode(request.headers.get("Authorization", "Basic ")[6:]).decode()
        with self._lock:
            self.calls.append({"form": request.form.to_dict(), "auth": auth})
            number = len(self.calls)
        time.sleep(self.delays.get(request.form.get("subject_token", ""), self.delay))
        if self.refuse:
            return {"error": "invalid_client"}, 401
        return {
            "access_token": f"token-{number}",
            "token_type": "Bearer",
            "expires_in": self.expires_in,
        }


class Downstream:
    """Another service: records the headers of each call, answers the scripted statuses."""

    def __init__(self) -> None:
        self.calls: list[dict[str, str]] = []
        self.statuses: list[int] = []  # answers to the next calls, then 200
        self.reject_token: str | None = None  # a bearer token it answers 401 to
        self.delay = 0.0
        self.app = Flask("downstream")
        self.app.route("/<path:_path>", methods=["GET", "POST", "PUT"])(self._answer)

    def _answer(self, _path: str) -> Any:
        self.calls.append(dict(request.headers))
        time.sleep(self.delay)
        if self.reject_token and request.headers.get("Authorization") == (
            f"Bearer {self.reject_token}"
        ):
            return {"code": "invalid_token"}, 401
        status = self.statuses.pop(0) if self.statuses else 200
        return {"seen": len(self.calls)}, status


@pytest.fixture
def token_endpoint(serve: Callable[..., Any]) -> TokenEndpoint:
    endpoint = TokenEndpoint()
    endpoint.url = f"{serve(endpoint.app).url}/oauth/token"  # type: ignore[attr-defined]
    return endpoint


@pytest.fixture
def downstream(serve: Callable[..., Any]) -> Downstream:
    service = Downstream()
    service.url = serve(service.app).url  # type: ignore[attr-defined]
    return service


@pytest.fixture
def token_client(token_endpoint: Any, clock: Any) -> Iterator[ServiceTokenClient]:
    """The strava-worker's client: audience dataservice, a clock the test moves."""
    client = ServiceTokenClient(
        token_endpoint.url,
        "strava-worker",
        "worker-secret",
        audience="dataservice",
        scope="runs:write",
        clock=clock,
    )
    yield client
    client.http.close()
