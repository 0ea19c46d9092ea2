"""Fixtures: a seeded simulator on SQLite with a clock the tests move, its HTTP client,
token pairs granted through the admin API, and a webhook receiver on a real port."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.wrappers import Request, Response

from runnerly_common.testing import LiveServer
from strava_sim.app import create_app
from strava_sim.service import Simulator
from strava_sim.settings import SimSettings

CLIENT_ID = 1000
CLIENT_SECRET = "test-client-secret"
# A multiple of 900 and of 60: the first request sits at the start of a 15-minute window.
START = 1_749_000_600
ANCHOR = "2025-06-01"


class Clock:
    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make_settings(tmp_path: Any, **overrides: Any) -> SimSettings:
    values = {
        "env": "test",
        "database_url": f"sqlite:///{tmp_path}/strava-sim.db",
        "client_secret": CLIENT_SECRET,
        "athletes": 2,
        "anchor_date": ANCHOR,
        "webhook_backoff": 0.05,
        **overrides,
    }
    return SimSettings.load(environ={}, **values)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def settings(tmp_path: Any) -> SimSettings:
    return make_settings(tmp_path)


@pytest.fixture
def app(settings: SimSettings, clock: Clock) -> Iterator[Flask]:
    app = create_app(settings, simulator=Simulator(settings, clock=clock))
    yield app
    app.extensions["strava_sim"].db.dispose()


@pytest.fixture
def simulator(app: Flask) -> Simulator:
    return app.extensions["strava_sim"]


@pytest.fixture
def http(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def grant(http: FlaskClient):
    """Token pairs without the browser, as dev setup and the worker's tests get them."""

    def _grant(athlete_id: int = 1, scope: str = "read,activity:read_all") -> dict[str, Any]:
        response = http.post(f"/admin/athletes/{athlete_id}/grant", json={"scope": scope})
        assert response.status_code == 200, response.json
        return response.json

    return _grant


@pytest.fixture
def tokens(grant) -> dict[str, Any]:
    return grant()


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


class Receiver:
    """A webhook callback: answers the handshake (unless told not to) and keeps events."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.handshakes: list[dict[str, str]] = []
        self.echo_challenge = True
        self.delay = 0.0
        self._lock = threading.Lock()
        self.live = LiveServer(self)
        self.url = f"{self.live.url}/strava/webhook"

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        time.sleep(self.delay)
        if request.method == "GET":
            self.handshakes.append(dict(request.args))
            challenge = request.args.get("hub.challenge") if self.echo_challenge else "wrong"
            body = json.dumps({"hub.challenge": challenge})
        else:
            with self._lock:
                self.events.append(request.get_json())
            body = "{}"
        return Response(body, mimetype="application/json")(environ, start_response)

    def wait_for(self, count: int, timeout: float = 5) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.events) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return list(self.events)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.live.stop()


@pytest.fixture
def subscribed(http: FlaskClient, receiver: Receiver) -> Receiver:
    response = http.post(
        "/api/v3/push_subscriptions",
        data={
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "callback_url": receiver.url,
            "verify_token": "runnerly",
        },
    )
    assert response.status_code == 201, response.json
    return receiver
