"""The webhook receiver: Strava's handshake, and events checked and queued without doing
the work.  Events are not signed, so the intake only accepts well-formed events of the
subscription the worker created (kept in the shared store), and ignores the others."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from strava_worker.settings import WorkerSettings
from strava_worker.sqlite_store import SqliteStore
from strava_worker.webhook import create_app

EVENT = {
    "object_type": "activity",
    "object_id": 7,
    "aspect_type": "create",
    "owner_id": 3,
    "subscription_id": 12,
    "event_time": 1,
    "updates": {},
}


@pytest.fixture
def queued() -> list[dict[str, Any]]:
    return []


@pytest.fixture
def store(tmp_path: Path) -> SqliteStore:
    return SqliteStore(str(tmp_path / "budget.db"))


def _client(queued: list[dict[str, Any]], store: SqliteStore, **settings: Any) -> Any:
    settings = WorkerSettings.load(
        environ={},
        env="test",
        webhook_verify_token="secret-t",
        budget_path=store.path,
        **settings,
    )
    return create_app(settings, queued.append).test_client()


@pytest.fixture
def client(queued, store):
    """The worker created subscription 12: its id is in the shared store."""
    store.set_subscription_id(12)
    return _client(queued, store)


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


def test_an_event_of_another_subscription_is_ignored_with_the_same_answer(client, queued):
    accepted = client.post("/webhook", json=EVENT)
    ignored = client.post("/webhook", json={**EVENT, "subscription_id": 13})
    # 200, so Strava would not retry; the same body, so a forger learns nothing.
    assert (ignored.status_code, ignored.json) == (accepted.status_code, accepted.json)
    assert queued == [EVENT]


def test_without_a_subscription_every_event_is_ignored(queued, store):
    """No wildcard: the setting left at 0 and no subscription created, nothing is queued."""
    client = _client(queued, store)
    for subscription_id in (1, 12, 99):
        response = client.post("/webhook", json={**EVENT, "subscription_id": subscription_id})
        assert response.status_code == 200
    assert queued == []


def test_the_setting_names_the_subscription_when_it_was_made_by_hand(queued, store):
    client = _client(queued, store, webhook_subscription_id=12)
    client.post("/webhook", json={**EVENT, "subscription_id": 13})
    client.post("/webhook", json=EVENT)
    assert queued == [EVENT]


def test_a_deauthorization_event_is_queued(client, queued):
    event = {
        **EVENT,
        "object_type": "athlete",
        "object_id": 3,
        "aspect_type": "update",
        "updates": {"authorized": "false"},
    }
    assert client.post("/webhook", json=event).status_code == 200
    assert queued == [event]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "object_type"),
        ({"object_type": "activity"}, "object_id"),
        (["x"], "body"),
        ("x", "body"),
        ({**EVENT, "owner_id": "3"}, "owner_id"),
        ({**EVENT, "owner_id": True}, "owner_id"),
        ({**EVENT, "owner_id": 3.5}, "owner_id"),
        ({**EVENT, "owner_id": -3}, "owner_id"),
        ({**EVENT, "owner_id": 2**70}, "owner_id"),
        ({**EVENT, "object_id": None}, "object_id"),
        ({**EVENT, "object_id": "7"}, "object_id"),
        ({**EVENT, "aspect_type": "destroy"}, "aspect_type"),
        ({**EVENT, "aspect_type": ["delete"]}, "aspect_type"),
        ({**EVENT, "object_type": "gear"}, "object_type"),
        ({**EVENT, "subscription_id": "12"}, "subscription_id"),
        ({**{k: v for k, v in EVENT.items() if k != "subscription_id"}}, "subscription_id"),
        ({**EVENT, "event_time": "yesterday"}, "event_time"),
        ({**EVENT, "updates": ["title"]}, "updates"),
        ({**EVENT, "updates": {"title": {"nested": 1}}}, "updates"),
        ({**EVENT, "object_type": "athlete", "object_id": 4}, "object_id"),
    ],
)
def test_a_malformed_event_is_refused_naming_the_problem_and_not_queued(
    client, queued, body, field
):
    response = client.post("/webhook", json=body)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.is_json
    assert field in response.json["message"]
    assert queued == []


def test_a_body_that_is_not_json_is_a_400(client, queued):
    response = client.post("/webhook", data="object_type=activity", content_type="text/plain")
    assert response.status_code == 400
    assert response.is_json
    assert queued == []


def test_a_store_that_does_not_answer_is_a_503_so_strava_tries_again(queued, tmp_path):
    settings = WorkerSettings.load(
        environ={}, env="test", webhook_verify_token="secret-t", redis_url="redis://127.0.0.1:1/0"
    )
    response = create_app(settings, queued.append).test_client().post("/webhook", json=EVENT)
    assert response.status_code == 503
    assert response.is_json
    assert queued == []
