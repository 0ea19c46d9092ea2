"""``/healthz`` says the process answers; ``/readyz`` says its dependencies do."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from runnerly_common import Settings, create_app
from runnerly_common.db import Database
from runnerly_common.health import add_readiness_check


@pytest.fixture
def bare_app() -> Flask:
    """An app without bearer tokens, hence without a JWKS check."""
    return create_app("reports", Settings.load(environ={}, env="test"), configure_logs=False)


class TestHealthz:
    def test_it_answers_ok_with_the_service_name(self, client: Any) -> None:
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.get_json() == {"status": "ok", "service": "itemservice"}

    def test_it_answers_even_when_dependencies_are_down(self, bare_app: Flask) -> None:
        add_readiness_check(bare_app, "broker", lambda: False)
        assert bare_app.test_client().get("/healthz").status_code == 200


class TestReadyz:
    def test_it_is_ready_without_dependencies(self, bare_app: Flask) -> None:
        response = bare_app.test_client().get("/readyz")
        assert response.status_code == 200
        assert response.get_json() == {"status": "ready", "service": "reports", "checks": {}}

    def test_it_checks_that_the_jwks_answers(self, client: Any, jwks_server: Any) -> None:
        response = client.get("/readyz")
        assert response.status_code == 200
        assert response.get_json()["checks"]["jwks"]["ok"] is True
        assert jwks_server.fetches == 1

    def test_it_is_unavailable_while_no_signing_key_could_be_fetched(
        self, make_app: Any, jwks_server: Any
    ) -> None:
        jwks_server.live.stop()
        response = make_app().test_client().get("/readyz")
        assert response.status_code == 503
        body = response.get_json()
        assert body["status"] == "unavailable"
        assert body["checks"]["jwks"]["ok"] is False

    def test_a_failing_check_is_named_with_its_error(self, bare_app: Flask) -> None:
        def broker() -> bool:
            raise ConnectionError("redis://broker:6379 refused the connection")

        add_readiness_check(bare_app, "broker", broker)
        add_readiness_check(bare_app, "cache", lambda: True)
        response = bare_app.test_client().get("/readyz")
        assert response.status_code == 503
        checks = response.get_json()["checks"]
        assert checks["broker"]["ok"] is False
        assert checks["broker"]["error"] == (
            "ConnectionError: redis://broker:6379 refused the connection"
        )
        assert checks["cache"]["ok"] is True
        assert "error" not in checks["cache"]

    def test_a_falsy_check_means_not_ready(self, bare_app: Flask) -> None:
        add_readiness_check(bare_app, "strava", lambda: None)
        assert bare_app.test_client().get("/readyz").status_code == 503

    def test_a_long_error_is_cut_short(self, bare_app: Flask) -> None:
        def chatty() -> bool:
            raise RuntimeError("x" * 1000)

        add_readiness_check(bare_app, "chatty", chatty)
        error = bare_app.test_client().get("/readyz").get_json()["checks"]["chatty"]["error"]
        assert len(error) == 200


class TestDatabaseReadiness:
    def test_a_reachable_database_is_ready(self, bare_app: Flask, tmp_path: Path) -> None:
        db = Database(f"sqlite:///{tmp_path / 'reports.db'}")
        db.init_app(bare_app)
        try:
            response = bare_app.test_client().get("/readyz")
        finally:
            db.dispose()
        assert response.status_code == 200
        assert response.get_json()["checks"]["database"]["ok"] is True

    def test_an_unreachable_database_is_not_ready(self, bare_app: Flask, tmp_path: Path) -> None:
        db = Database(f"sqlite:///{tmp_path}")  # a directory cannot be opened as a database
        db.init_app(bare_app)
        try:
            response = bare_app.test_client().get("/readyz")
        finally:
            db.dispose()
        assert response.status_code == 503
        check = response.get_json()["checks"]["database"]
        assert check["ok"] is False
        assert check["error"].startswith("OperationalError")
