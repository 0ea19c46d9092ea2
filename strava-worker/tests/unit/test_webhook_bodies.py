"""Bodies no event is made of: the intake answers 400 and queues nothing (a body nested
100,000 deep raised RecursionError through ``get_json(silent=True)``: a 500)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from strava_worker.settings import WorkerSettings
from strava_worker.sqlite_store import SqliteStore
from strava_worker.webhook import create_app

DEEP = "[" * 100_000 + "]" * 100_000


@pytest.fixture
def intake(tmp_path: Path) -> tuple[Any, list[dict[str, Any]]]:
    store = SqliteStore(str(tmp_path / "budget.db"))
    store.set_subscription_id(12)
    settings = WorkerSettings.load(
        environ={}, env="test", webhook_verify_token="secret-t", budget_path=store.path
    )
    queued: list[dict[str, Any]] = []
    return create_app(settings, queued.append, store).test_client(), queued


@pytest.mark.parametrize(
    "body",
    [
        DEEP,
        '{"object_type":' + DEEP + "}",
        "{" * 100_000,
        '{"object_id": ' + "9" * 5000 + "}",
        "\xff\xfe",
    ],
    ids=["100000 lists", "deep in a field", "unclosed", "5000-digit number", "not UTF-8"],
)
def test_a_body_that_is_no_json_event_is_400_and_queues_nothing(intake, body):
    client, queued = intake
    response = client.post("/webhook", data=body.encode("latin-1"), content_type="application/json")
    assert response.status_code == 400
    assert response.is_json and response.json["request_id"]
    assert queued == []
