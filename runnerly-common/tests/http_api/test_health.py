"""``/healthz`` says the process answers; ``/readyz`` says its dependencies do."""

from __future__ import annotations

import threading
import time
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


class TestReadinessDeadline:
    def test_a_hanging_dependency_is_reported_within_the_deadline(self, bare_app: Flask) -> None:
        release = threading.Event()
        add_readiness_check(bare_app, "broker", lambda: release.wait(30))
        add_readiness_check(bare_app, "database", lambda: True)
        bare_app.config["READINESS_DEADLINE"] = 0.5
        try:
            started = time.monotonic()
            response = bare_app.test_client().get("/readyz")
            elapsed = time.monotonic() - started
        finally:
            release.set()
        assert elapsed < 1.5
        assert response.status_code == 503
        checks = response.get_json()["checks"]
        assert checks["broker"]["ok"] is False
        assert checks["broker"]["error"] == "no answer within 0.5 s"
        assert checks["database"] == {"ok": True, "ms": checks["database"]["ms"]}

    def test_the_default_deadline_keeps_readyz_under_3_seconds(self, bare_app: Flask) -> None:
        release = threading.Event()
        add_readiness_check(bare_app, "jwks", lambda: release.wait(30))
        try:
            started = time.monotonic()
            response = bare_app.test_client().get("/readyz")
            elapsed = time.monotonic() - started
        finally:
            release.set()
        assert response.status_code == 503
        assert 2.0 < elapsed < 3.0

    def test_a_hung_check_is_not_started_again_by_every_probe(self, bare_app: Flask) -> None:
        release = threading.Event()
        calls: list[int] = []

        def hanging() -> bool:
            calls.append(1)
            return release.wait(30)

        add_readiness_check(bare_app, "broker", hanging)
        bare_app.config["READINESS_DEADLINE"] = 0.1
        client = bare_app.test_client()
        try:
            statuses = [client.get("/readyz").status_code for _ in range(5)]
            assert calls == [1]
        finally:
            release.set()
        assert statuses == [503] * 5
        time.sleep(0.05)  # the run that was waited for ends: the next probe sees it
        assert client.get("/readyz").status_code == 200

    def test_checks_run_side_by_side_not_one_after_another(self, bare_app: Flask) -> None:
        for name in ("a", "b", "c"):
            add_readiness_check(bare_app, name, lambda: time.sleep(0.3) is None)
        started = time.monotonic()
        response = bare_app.test_client().get("/readyz")
        assert response.status_code == 200
        assert time.monotonic() - started < 0.8


class TestReadinessCache:
    def test_an_answer_is_kept_for_cache_seconds(self, bare_app: Flask) -> None:
        calls: list[int] = []
        add_readiness_check(bare_app, "broker", lambda: calls.append(1) is None, cache_seconds=60)
        client = bare_app.test_client()
        for _ in range(10):
            assert client.get("/readyz").status_code == 200
        assert calls == [1]

    def test_without_cache_seconds_every_probe_checks_again(self, bare_app: Flask) -> None:
        calls: list[int] = []
        add_readiness_check(bare_app, "database", lambda: calls.append(1) is None)
        client = bare_app.test_client()
        for _ in range(3):
            client.get("/readyz")
        assert calls == [1, 1, 1]


class TestReadinessSecrets:
    def test_the_password_of_a_url_in_an_error_is_masked(self, bare_app: Flask) -> None:
        def broker() -> bool:
            raise ConnectionError("cannot reach redis://:hunter2@broker:6379/0 or amqp://u:pw@mq//")

        add_readiness_check(bare_app, "broker", broker)
        error = bare_app.test_client().get("/readyz").get_json()["checks"]["broker"]["error"]
        assert "hunter2" not in error and ":pw@" not in error
        assert error == (
            "ConnectionError: cannot reach redis://:***@broker:6379/0 or amqp://u:***@mq//"
        )


class TestOptionalDependencies:
    def test_a_failing_optional_dependency_is_shown_but_leaves_the_service_ready(
        self, bare_app: Flask
    ) -> None:
        def broker() -> bool:
            raise ConnectionError("connection refused")

        add_readiness_check(bare_app, "broker", broker, required=False)
        add_readiness_check(bare_app, "database", lambda: True)
        response = bare_app.test_client().get("/readyz")
        assert response.status_code == 200
        body = response.get_json()
        assert body["status"] == "ready"
        assert body["checks"]["broker"]["ok"] is False
        assert body["checks"]["broker"]["required"] is False
        assert body["checks"]["broker"]["error"] == "ConnectionError: connection refused"
        assert "required" not in body["checks"]["database"]
