"""``/readyz`` names everything runnerly-web needs and says which part is down;
``/metrics`` counts its requests."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

from runnerly_common.testing import free_port
from runnerly_common.testing.services import Dataservice, Tokendealer
from tests.conftest import make_app, web_settings


def readyz(app: Any) -> tuple[int, dict[str, Any], float]:
    started = time.monotonic()
    response = app.test_client().get("/readyz")
    return response.status_code, response.get_json(), time.monotonic() - started


class TestReadyz:
    def test_it_names_every_dependency_and_is_ready_when_they_answer(
        self,
        tokendealer: Tokendealer,
        dataservice: Dataservice,
        sim: str,
        redis_url: str,
        tmp_path: Path,
    ) -> None:
        settings = web_settings(tokendealer, dataservice, sim, tmp_path, broker_url=redis_url)
        status, body, _ = readyz(make_app(settings))
        assert status == 200, body
        assert set(body["checks"]) == {"dataservice", "tokendealer", "throttle", "broker"}
        assert all(check["ok"] for check in body["checks"].values())

    def test_a_tokendealer_that_cannot_be_reached_makes_it_unavailable(
        self, tokendealer: Tokendealer, dataservice: Dataservice, sim: str, tmp_path: Path
    ) -> None:
        settings = web_settings(tokendealer, dataservice, sim, tmp_path)
        settings.token_url = f"http://127.0.0.1:{free_port()}/oauth/token"
        status, body, elapsed = readyz(make_app(settings))
        assert status == 503
        check = body["checks"]["tokendealer"]
        assert check["ok"] is False
        assert check["error"].startswith("TokenError: tokendealer unreachable")
        assert body["checks"]["dataservice"]["ok"] is True
        assert elapsed < 3

    def test_a_refused_client_secret_makes_it_unavailable_without_showing_it(
        self, tokendealer: Tokendealer, dataservice: Dataservice, sim: str, tmp_path: Path
    ) -> None:
        wrong = uuid.uuid4().hex
        settings = web_settings(tokendealer, dataservice, sim, tmp_path, client_secret=wrong)
        status, body, _ = readyz(make_app(settings))
        assert status == 503
        assert body["checks"]["tokendealer"]["error"].startswith("TokenError: tokendealer refused")
        assert wrong not in str(body)

    def test_a_throttle_store_that_is_down_makes_it_unavailable(
        self, tokendealer: Tokendealer, dataservice: Dataservice, sim: str, tmp_path: Path
    ) -> None:
        redis_down = f"redis://127.0.0.1:{free_port()}/0"
        settings = web_settings(tokendealer, dataservice, sim, tmp_path, redis_url=redis_down)
        status, body, elapsed = readyz(make_app(settings))
        assert status == 503
        assert body["checks"]["throttle"]["ok"] is False
        assert "ConnectionError" in body["checks"]["throttle"]["error"]
        assert elapsed < 3

    def test_a_broker_that_is_down_is_shown_but_leaves_it_ready(
        self, tokendealer: Tokendealer, dataservice: Dataservice, sim: str, tmp_path: Path
    ) -> None:
        # A new Strava link then waits for the worker's beat round instead (strava/sync.py).
        broker = f"redis://:hunter2@127.0.0.1:{free_port()}/0"
        settings = web_settings(tokendealer, dataservice, sim, tmp_path, broker_url=broker)
        status, body, _ = readyz(make_app(settings))
        assert status == 200
        check = body["checks"]["broker"]
        assert check["ok"] is False and check["required"] is False
        assert "hunter2" not in check["error"]


class TestMetrics:
    def test_requests_are_counted_under_the_service_name(self, app: Any) -> None:
        client = app.test_client()
        client.get("/api/web/session")
        text = client.get("/metrics").get_data(as_text=True)
        assert (
            'runnerly_http_requests_total{method="GET",route="/api/web/session",'
            'service="runnerly-web",status="200"}'
        ) in text
