"""The webhook intake with Redis down: Strava waits 2 s for an answer, so the intake answers
503 (Strava tries the event again later) well within that, with a JSON body, one log line
and the event counted as ``unavailable``; never a 500 after the broker's retries."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
import redis

from strava_worker.readiness import short_timeout_store
from strava_worker.settings import WorkerSettings
from strava_worker.webhook import _events_counter, create_app

EVENT = {
    "object_type": "activity",
    "object_id": 7,
    "aspect_type": "create",
    "owner_id": 3,
    "subscription_id": 12,
    "event_time": 1,
    "updates": {},
}
STRAVA_WAITS = 2.0  # seconds


def _unavailable_count() -> float:
    for metric in _events_counter().collect():
        for sample in metric.samples:
            if sample.name.endswith("_total") and sample.labels.get("outcome") == "unavailable":
                return sample.value
    return 0.0


@pytest.fixture(params=["subscription_in_settings", "subscription_in_store"])
def client(request: pytest.FixtureRequest, private_redis: Any, tmp_path: Any) -> Any:
    """The intake as deployed: Celery's Redis broker (db 0) and the store in Redis (db 1)."""
    in_settings = request.param == "subscription_in_settings"
    settings = WorkerSettings.load(
        environ={},
        env="test",
        webhook_verify_token="secret-t",
        broker_url=private_redis.url(0),
        redis_url=private_redis.url(1),
        budget_path=str(tmp_path / "budget.db"),
        webhook_subscription_id=12 if in_settings else 0,
    )
    if not in_settings:
        short_timeout_store(settings).set_subscription_id(12)
    return create_app(settings).test_client()


def test_an_event_is_queued_on_the_broker_while_redis_is_up(client, private_redis) -> None:
    response = client.post("/webhook", json=EVENT)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert redis.Redis.from_url(private_redis.url(0)).llen("celery") == 1


def test_with_redis_down_an_event_is_answered_503_fast(
    client, private_redis, caplog: pytest.LogCaptureFixture
) -> None:
    private_redis.stop()
    before = _unavailable_count()
    caplog.clear()

    started = time.monotonic()
    with caplog.at_level(logging.ERROR):
        response = client.post("/webhook", json=EVENT)
    elapsed = time.monotonic() - started

    assert response.status_code == 503, response.get_data(as_text=True)
    assert elapsed < STRAVA_WAITS / 2, f"answered after {elapsed:.2f} s"
    assert response.json["code"] == "unavailable"
    assert response.json["request_id"]
    assert "Retry-After" in response.headers
    assert _unavailable_count() - before == 1
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, [r.getMessage() for r in errors]
