"""JSON logs on stdout: one object a line, each naming the service and the request id."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from runnerly_common import Settings, create_app
from runnerly_common.logs import configure_logging

Lines = Callable[[], list[dict[str, Any]]]


@pytest.fixture
def log_lines(capsys: pytest.CaptureFixture[str]) -> Iterator[Lines]:
    """Parse what was logged to stdout so far; every line must be a JSON object."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level

    def read() -> list[dict[str, Any]]:
        return [json.loads(line) for line in capsys.readouterr().out.splitlines()]

    yield read
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


def build_app(**settings: Any) -> Flask:
    """Build the app inside the test: stdout is captured by capsys only from then on."""
    app = create_app("itemservice", Settings.load(environ={}, env="test", **settings))

    @app.get("/work")
    def work() -> dict[str, bool]:
        logging.getLogger("itemservice.sync").warning("strava answered 429")
        return {"done": True}

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("disk full")

    return app


class TestAccessLog:
    def test_each_request_writes_one_json_line_with_its_request_id(self, log_lines: Lines) -> None:
        app = build_app()
        response = app.test_client().get("/healthz", headers={"X-Request-ID": "req-12345678"})
        [line] = [entry for entry in log_lines() if entry["logger"] == "runnerly.access"]
        assert line["request_id"] == "req-12345678" == response.headers["X-Request-ID"]
        assert line["service"] == "itemservice"
        assert line["level"] == "INFO"
        assert line["message"] == "request"
        assert (line["method"], line["path"], line["route"], line["status"]) == (
            "GET",
            "/healthz",
            "/healthz",
            200,
        )
        assert line["duration_ms"] >= 0
        assert "time" in line

    def test_the_query_string_stays_out_of_the_line(self, log_lines: Lines) -> None:
        build_app().test_client().get("/nope?code=oauth-secret")
        [line] = [entry for entry in log_lines() if entry["logger"] == "runnerly.access"]
        assert (line["path"], line["route"], line["status"]) == ("/nope", None, 404)
        assert "oauth-secret" not in json.dumps(line)


class TestApplicationLogs:
    def test_a_line_logged_by_a_view_carries_the_request_id(self, log_lines: Lines) -> None:
        app = build_app()
        response = app.test_client().get("/work")
        [line] = [entry for entry in log_lines() if entry["logger"] == "itemservice.sync"]
        assert line["message"] == "strava answered 429"
        assert line["level"] == "WARNING"
        assert line["request_id"] == response.headers["X-Request-ID"]
        assert line["service"] == "itemservice"

    def test_an_unhandled_exception_is_logged_with_its_traceback(self, log_lines: Lines) -> None:
        app = build_app()
        response = app.test_client().get("/boom")
        [line] = [entry for entry in log_lines() if entry["level"] == "ERROR"]
        assert line["request_id"] == response.headers["X-Request-ID"]
        assert "RuntimeError: disk full" in line["exc_info"]

    def test_a_line_logged_outside_a_request_has_no_request_id(self, log_lines: Lines) -> None:
        build_app()
        logging.getLogger("itemservice").warning("starting")
        [line] = log_lines()
        assert line["request_id"] is None
        assert line["service"] == "itemservice"

    def test_configuring_twice_does_not_duplicate_lines(self, log_lines: Lines) -> None:
        build_app()
        configure_logging("itemservice")
        logging.getLogger("itemservice").warning("once")
        assert [line["message"] for line in log_lines()] == ["once"]


class TestLogLevel:
    def test_the_configured_level_silences_access_lines(self, log_lines: Lines) -> None:
        build_app(log_level="warning").test_client().get("/healthz")
        assert log_lines() == []


def test_credentials_in_urls_are_redacted_wherever_a_line_holds_them(log_lines: Lines) -> None:
    configure_logging("worker")
    log = logging.getLogger("celery.worker.consumer.connection")
    log.info("Connected to %s", "redis://:s3cret-pass@redis:6379/0")
    log.warning(
        "retrying",
        extra={"data": {"urls": ["amqp://guest:guest-pass@rabbit//", "https://strava.com/x@y"]}},
    )
    try:
        raise ConnectionError("postgresql://runnerly:db-pass@db/runnerly refused")
    except ConnectionError:
        log.exception("lost the database")

    connected, retrying, lost = log_lines()
    assert connected["message"] == "Connected to redis://***@redis:6379/0"
    assert retrying["data"]["urls"] == ["amqp://***@rabbit//", "https://strava.com/x@y"]
    assert "postgresql://***@db/runnerly" in lost["exc_info"]
    assert "pass" not in json.dumps([connected, retrying, lost])
