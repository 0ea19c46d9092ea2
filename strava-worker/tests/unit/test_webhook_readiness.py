"""The webhook receiver's ``/readyz``: it only checks and queues events, so it is ready
when its broker answers and the store that keeps the subscription id does (unless the id
is a setting), and says so without a password."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from runnerly_common.testing import free_port
from strava_worker.settings import WorkerSettings
from strava_worker.webhook import create_app


def webhook_app(broker_url: str, **settings: Any):
    settings = WorkerSettings.load(environ={}, env="test", broker_url=broker_url, **settings)
    return create_app(settings, lambda event: None)


def test_it_is_ready_when_its_broker_and_store_answer(tmp_path: Path) -> None:
    app = webhook_app(
        f"sqla+sqlite:///{tmp_path / 'broker.db'}", budget_path=str(tmp_path / "budget.db")
    )
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    checks = response.json["checks"]
    assert set(checks) == {"broker", "store"}
    assert checks["broker"]["ok"] is True and checks["store"]["ok"] is True


def test_a_store_that_is_down_makes_it_unavailable(tmp_path: Path) -> None:
    """Without the store no event can be matched to the subscription: every one is a 503,
    and the probe says so before Strava's events find out."""
    app = webhook_app(
        f"sqla+sqlite:///{tmp_path / 'broker.db'}",
        redis_url=f"redis://:hunter2@127.0.0.1:{free_port()}/0",
    )
    started = time.monotonic()
    response = app.test_client().get("/readyz")
    assert time.monotonic() - started < 3
    assert response.status_code == 503
    assert response.json["checks"]["store"]["ok"] is False
    assert "hunter2" not in response.get_data(as_text=True)


def test_a_subscription_id_set_by_hand_needs_no_store(tmp_path: Path) -> None:
    app = webhook_app(
        f"sqla+sqlite:///{tmp_path / 'broker.db'}",
        redis_url=f"redis://127.0.0.1:{free_port()}/0",
        webhook_subscription_id=12,
    )
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    assert "store" not in response.json["checks"]


def test_a_broker_that_is_down_makes_it_unavailable_without_showing_its_password() -> None:
    app = webhook_app(f"redis://:hunter2@127.0.0.1:{free_port()}/0")
    started = time.monotonic()
    response = app.test_client().get("/readyz")
    assert time.monotonic() - started < 3
    assert response.status_code == 503
    check = response.json["checks"]["broker"]
    assert check["ok"] is False
    assert check["error"].startswith("DependencyError: ConnectionError")
    assert "hunter2" not in response.get_data(as_text=True)
