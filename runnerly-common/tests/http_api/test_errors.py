"""Every error a client can meet is JSON: ``{"code", "message", "request_id"}``."""

from __future__ import annotations

import logging
from typing import Any

import pytest


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["code"] == code
    assert body["message"]
    assert body["request_id"] == response.headers["X-Request-ID"]
    return body


class TestNotFound:
    @pytest.mark.parametrize("path", ["/nope", "/api/v1/nope", "/api/v2/items/1"])
    def test_it_answers_404_not_found_in_json(self, client: Any, path: str) -> None:
        assert_error(client.get(path), 404, "not_found")


class TestMethodNotAllowed:
    def test_it_answers_405_listing_the_allowed_methods(self, client: Any) -> None:
        response = client.get("/upload")
        assert_error(response, 405, "method_not_allowed")
        assert response.headers["Allow"] == "OPTIONS, POST"

    def test_an_openapi_path_lists_the_methods_of_its_operations(self, client: Any) -> None:
        response = client.put("/api/v1/items/3", json={})
        assert_error(response, 405, "method_not_allowed")
        assert set(response.headers["Allow"].split(", ")) == {"DELETE", "GET", "HEAD", "OPTIONS"}


class TestBodyTooLarge:
    @pytest.fixture
    def client(self, make_app: Any) -> Any:
        return make_app(max_content_length=64).test_client()

    def test_a_body_at_the_limit_is_accepted(self, client: Any) -> None:
        response = client.post("/upload", data=b"x" * 64)
        assert response.status_code == 200
        assert response.get_json() == {"size": 64}

    def test_it_answers_413_naming_the_limit(self, client: Any) -> None:
        body = assert_error(client.post("/upload", data=b"x" * 65), 413, "request_entity_too_large")
        assert "64 bytes" in body["message"]

    def test_an_openapi_operation_answers_413_too(
        self, client: Any, bearer: Any, issue: Any
    ) -> None:
        response = client.post(
            "/api/v1/items",
            json={"name": "x" * 100, "quantity": 1},
            headers=bearer(issue(scope="runs:write")),
        )
        assert_error(response, 413, "request_entity_too_large")


class TestUnexpectedException:
    def test_it_answers_500_internal_error_without_leaking_the_exception(self, client: Any) -> None:
        response = client.get("/boom")
        body = assert_error(response, 500, "internal_error")
        assert body["message"] == "internal server error"
        text = response.get_data(as_text=True)
        for leak in ("hunter2", "10.0.0.7", "RuntimeError", "Traceback"):
            assert leak not in text

    def test_a_failing_hook_gets_the_same_answer_as_a_failing_view(self, app: Any) -> None:
        failures = []

        @app.after_request
        def _explode(response: Any) -> Any:
            if not failures:  # the error response passes through the hook too
                failures.append(1)
                raise RuntimeError("hunter2 in a hook")
            return response

        app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: no test re-raise
        response = app.test_client().get("/healthz")
        body = assert_error(response, 500, "internal_error")
        assert "hunter2" not in response.get_data(as_text=True)
        assert body["message"] == "internal server error"

    def test_it_logs_the_exception_for_the_operator(
        self, client: Any, caplog: pytest.LogCaptureFixture
    ) -> None:
        client.get("/boom")
        [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert record.exc_info is not None
        assert "hunter2" in str(record.exc_info[1])


class TestAPIError:
    def test_it_answers_with_its_status_code_extra_fields_and_headers(self, client: Any) -> None:
        response = client.get("/conflict")
        body = assert_error(response, 409, "duplicate_run")
        assert body == {
            "code": "duplicate_run",
            "message": "this run is already stored",
            "field": "external_id",
            "request_id": response.headers["X-Request-ID"],
        }
        assert response.headers["Retry-After"] == "3"


class TestConcurrentChange:
    def test_a_row_changed_by_another_request_meanwhile_is_409(self, app: Any) -> None:
        from sqlalchemy.orm.exc import StaleDataError

        @app.route("/stale", methods=["PATCH"])
        def _stale() -> Any:
            raise StaleDataError("UPDATE statement on table 'runs' expected to update 1 row(s)")

        app.config["PROPAGATE_EXCEPTIONS"] = False
        body = assert_error(app.test_client().patch("/stale"), 409, "conflict")
        assert "read it again" in body["message"] and "runs" not in body["message"]
