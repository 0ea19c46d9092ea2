"""Arranging runs through the batch API, as the Strava worker sends them (stats, reports)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient


@pytest.fixture
def run() -> Callable[..., dict[str, Any]]:
    """``run(start, km, moving, **fields)``: a run as Strava sends it, ``km`` kilometres in
    ``moving`` seconds of moving time and a minute's stop."""

    def build(start: str, km: float, moving: int, **fields: Any) -> dict[str, Any]:
        return {
            "start_time": start,
            "distance": km * 1000,
            "moving_time": moving,
            "elapsed_time": moving + 60,
            **fields,
        }

    return build


@pytest.fixture
def add_runs(client: FlaskClient, token: Callable[..., dict[str, str]]) -> Callable[..., None]:
    """``add_runs(runner, run(...), ...)``: store runs with fresh Strava ids."""
    ids = itertools.count(1)

    def add(runner: int, *runs: dict[str, Any]) -> None:
        body = {"runs": [{"source": "strava", "external_id": f"a{next(ids)}", **r} for r in runs]}
        response = client.post(
            f"/api/v1/users/{runner}/runs/batch",
            json=body,
            headers=token(client="strava-worker", scope="runs:write"),
        )
        assert response.status_code == 200, response.json

    return add
