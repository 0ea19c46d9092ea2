"""JSON a client sends is refused with a 400 naming the problem when it is nested too deep
or is not JSON: through OpenAPI operations and through views calling ``get_json`` alike
(a body of 100,000 ``[`` was a 500 in every service before issue 14)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask, request

from runnerly_common import json_body
from runnerly_common.json_body import MAX_DEPTH

DEEP = "[" * 100_000 + "]" * 100_000
TOO_DEEP = f"is nested deeper than {MAX_DEPTH} levels"


def nested(depth: int) -> str:
    """An object ``depth`` containers deep: {"a": {"a": ... [] ...}}."""
    return '{"a":' * (depth - 1) + "[]" + "}" * (depth - 1)


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    app = make_app()

    @app.post("/echo")
    def echo() -> dict[str, Any]:
        return {"body": request.get_json()}

    @app.post("/quiet")
    def quiet() -> dict[str, Any]:
        return {"body": request.get_json(silent=True)}

    return app


@pytest.fixture
def writer(bearer: Any, issue: Any) -> dict[str, str]:
    return bearer(issue(scope="runs:write"))


def assert_body_refused(response: Any, message: str) -> None:
    assert response.status_code == 400
    body = response.get_json()
    assert body["code"] == "invalid_request"
    assert body["errors"] == [{"field": "body", "message": message}]
    assert body["message"] == f"body: {message}"
    assert body["request_id"] == response.headers["X-Request-ID"]


class TestAnOpenAPIOperation:
    @pytest.mark.parametrize(
        "data",
        [DEEP, '{"name":' + DEEP + "}", nested(MAX_DEPTH + 1), "{" * 100_000],
        ids=["100000 lists", "100000 lists in a field", "one level too deep", "unclosed"],
    )
    def test_a_body_nested_too_deep_is_a_400_naming_the_depth(
        self, client: Any, writer: Any, data: str
    ) -> None:
        response = client.post(
            "/api/v1/items", data=data, content_type="application/json", headers=writer
        )
        if data.startswith("{" * 1000):  # unclosed: the parser gives up before any depth
            assert response.status_code == 400
            assert response.get_json()["errors"][0]["field"] == "body"
        else:
            assert_body_refused(response, TOO_DEEP)

    def test_a_body_at_the_depth_limit_reaches_schema_validation(
        self, client: Any, writer: Any
    ) -> None:
        response = client.post(
            "/api/v1/items",
            data=nested(MAX_DEPTH),
            content_type="application/json",
            headers=writer,
        )
        assert response.status_code == 400
        assert response.get_json()["errors"][0]["field"] != "body"  # the schema's complaint


class TestAViewReadingJSON:
    def test_get_json_refuses_a_deep_body_with_a_400_naming_the_depth(self, client: Any) -> None:
        assert_body_refused(
            client.post("/echo", data=DEEP, content_type="application/json"), TOO_DEEP
        )

    def test_get_json_refuses_malformed_json_with_a_400_saying_so(self, client: Any) -> None:
        response = client.post("/echo", data='{"a": ', content_type="application/json")
        assert_body_refused(response, "is not valid JSON")

    def test_get_json_silent_takes_a_deep_body_as_no_json(self, client: Any) -> None:
        response = client.post("/quiet", data=DEEP, content_type="application/json")
        assert response.status_code == 200
        assert response.get_json() == {"body": None}

    def test_an_ordinary_body_still_reads(self, client: Any) -> None:
        track = {"points": [[45.1 + i / 1e4, 5.7, 210.0] for i in range(5000)], "deep": nested(10)}
        response = client.post("/echo", json=track)
        assert response.status_code == 200
        assert response.get_json() == {"body": track}


class TestLoads:
    @pytest.mark.parametrize(
        "value",
        [
            "1",
            '"a"',
            "null",
            "[]",
            "{}",
            nested(MAX_DEPTH),
            # Brackets in strings, escaped quotes included, do not nest anything.
            '{"a": "' + "[" * 200 + '"}',
            '["\\"[[[[", "' + "{" * 200 + '", [1, {"b": [2]}]]',
            "[" + ",".join(["[1, [2, {}]]"] * 100) + "]",
        ],
    )
    def test_it_reads_what_json_reads(self, value: str) -> None:
        assert json_body.loads(value) == json.loads(value)
        assert json_body.loads(value.encode("utf-16")) == json.loads(value)

    @pytest.mark.parametrize(
        "data",
        [nested(MAX_DEPTH + 1), DEEP.encode(), "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)],
    )
    def test_it_refuses_too_deep_as_a_value_error(self, data: str | bytes) -> None:
        with pytest.raises(ValueError, match="nested deeper"):
            json_body.loads(data)

    def test_a_5000_digit_number_is_not_valid_json(self) -> None:
        with pytest.raises(ValueError, match="is not valid JSON"):
            json_body.loads("9" * 5000)
