"""``link_strava_athlete``: what benchmarks and tests send to strava-sim and the dataservice,
against a stand-in for both on a real loopback server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from werkzeug.wrappers import Request, Response

from runnerly_common.testing import LiveServer, link_strava_athlete

GRANT = {"access_token": "a-token", "refresh_token": "r-token", "expires_at": 1_900_000_000}


class StandIn:
    """strava-sim's admin grant and the dataservice's ``PUT /users/{id}/strava``."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, dict[str, str], Any]] = []
        self.link_status = 201

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        body = request.get_json(silent=True)
        self.seen.append((request.method, request.path, dict(request.headers), body))
        if request.path.startswith("/sim/admin/athletes/"):
            response = Response(json.dumps(GRANT), mimetype="application/json")
        else:
            response = Response(json.dumps({"detail": "nope"}), status=self.link_status)
        return response(environ, start_response)


@pytest.fixture
def stand_in() -> Iterator[tuple[StandIn, str]]:
    app = StandIn()
    server = LiveServer(app)
    yield app, server.url
    server.stop()


def test_the_grant_is_stored_as_the_web_app_stores_it(stand_in: tuple[StandIn, str]) -> None:
    app, url = stand_in
    sim = requests.Session()
    sim.headers["X-Sim-Admin"] = "admin"
    dataservice = requests.Session()
    dataservice.headers["Authorization"] = "Bearer worker"

    pair = link_strava_athlete(sim, f"{url}/sim", dataservice, f"{url}/api/v1", 7, 3, timeout=5)

    assert pair == GRANT
    (_, grant_path, grant_headers, grant_body), (method, path, headers, body) = app.seen
    assert (grant_path, grant_body) == (
        "/sim/admin/athletes/3/grant",
        {"scope": "read,activity:read_all"},
    )
    assert grant_headers["X-Sim-Admin"] == "admin"
    assert (method, path, headers["Authorization"]) == (
        "PUT",
        "/api/v1/users/7/strava",
        "Bearer worker",
    )
    assert body == {
        "athlete_id": 3,
        "access_token": "a-token",
        "refresh_token": "r-token",
        "expires_at": "2030-03-17T17:46:40Z",
        "scopes": "read,activity:read_all",
    }


def test_a_refused_link_names_the_runner_and_the_answer(stand_in: tuple[StandIn, str]) -> None:
    app, url = stand_in
    app.link_status = 409
    with pytest.raises(RuntimeError, match=r"runner 7 .*409 .*nope"):
        link_strava_athlete(
            requests.Session(), f"{url}/sim", requests.Session(), f"{url}/api/v1", 7, 3
        )
