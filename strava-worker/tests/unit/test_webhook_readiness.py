"""The webhook receiver's ``/readyz``: it only queues events, so it is ready when its
broker answers, and says so without the broker's password."""

from __future__ import annotations

import time
from pathlib import Path

from runnerly_common.testing import free_port
from strava_worker.settings import WorkerSettings
from strava_worker.webhook import create_app


def webhook_app(broker_url: str):
    settings = WorkerSettings.load(environ={}, env="test", broker_url=broker_url)
    return create_app(settings, lambda event: None)


def test_it_is_ready_when_its_broker_answers(tmp_path: Path) -> None:
    response = webhook_app(f"sqla+sqlite:///{tmp_path / 'broker.db'}").test_client().get("/readyz")
    assert response.status_code == 200
    assert response.json["checks"] == {
        "broker": {"ok": True, "ms": response.json["checks"]["broker"]["ms"]}
    }


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
