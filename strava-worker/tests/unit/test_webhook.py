"""The webhook receiver: Strava's handshake, and events queued without doing the work."""

from __future__ import annotations

from typing import Any

import pytest

from strava_worker.settings import WorkerSettings
from strava_worker.webhook import create_app

EVENT = {
    "object_type": "activity",
    "object_id": 7,
    "aspect_type": "create",
    "owner_id": 3,
    "subscription_id": 12,
    "event_time": 1,
}


@pytest.fixture
def queued() -> list[dict[str, Any]]:
    return []


@pytest.fixture
def client(queued):
    settings = WorkerSettings.load(
        environ={}, env="test", webhook_verify_token="secret-t", webhook_subscription_id=12
    )
    return create_app(
        settings,
        queued.append,
    ).test_client()


def test_the_handshake_echoes_the_challenge_when_the_token_matches(client):
    params = {"hub.mode": "subscribe", "hub.challenge": "abc", "hub.verify_token": "secret-t"}
    response = client.get("/webhook", query_string=params)
    assert response.status_code == 200
    assert response.json == {"hub.challenge": "abc"}


def test_the_handshake_is_refused_with_a_wrong_token(client):
    params = {"hub.mode": "subscribe", "hub.challenge": "abc", "hub.verify_token": "guess"}
    assert client.get("/webhook", query_string=params).status_code == 403


def test_an_event_is_queued_and_answered_at_once(client, queued):
    response = client.post("/webhook", json=EVENT)
    assert response.status_code == 200
    assert queued == [EVENT]


def test_an_event_of_another_subscription_is_refused_and_not_queued(client, queued):
    assert client.post("/webhook", json={**EVENT, "subscription_id": 13}).status_code == 403
    assert queued == []


@pytest.mark.parametrize("body", [{}, {"object_type": "activity"}, ["x"]])
def test_a_malformed_event_is_refused_and_not_queued(client, queued, body):
    assert client.post("/webhook", json=body).status_code == 400
    assert queued == []
