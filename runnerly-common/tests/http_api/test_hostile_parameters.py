"""Query and path parameters a client can mistype or forge: each is a 400 naming the
parameter, never a value that reaches a view (and from there a database) to fail as a 500."""

from __future__ import annotations

from typing import Any

import pytest


def assert_invalid(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 400
    body = response.get_json()
    assert body["code"] == "invalid_request"
    return body["errors"]


@pytest.mark.parametrize(
    ("url", "field", "message"),
    [
        # PostgreSQL refuses NUL in text: a file name with one was stored as a 500.
        ("/api/v1/search?q=ab%00cd", "query.q", "must not contain NUL characters"),
        ("/api/v1/search?q=%00%00", "query.q", "must not contain NUL characters"),
        ("/api/v1/search?q=ab&limit=99999999999999999999", "query.limit", "is out of range"),
        ("/api/v1/search?q=ab&limit=-99999999999999999999", "query.limit", "is out of range"),
        ("/api/v1/search?q=ab&limit=%D9%A1", "query.limit", "is not an integer"),
        ("/api/v1/search?q=ab&limit=1e3", "query.limit", "is not an integer"),
        ("/api/v1/search?q=ab&limit=%001", "query.limit", "must not contain NUL characters"),
    ],
)
def test_a_hostile_query_parameter_is_a_400_naming_it(
    client: Any, url: str, field: str, message: str
) -> None:
    assert assert_invalid(client.get(url)) == [{"field": field, "message": message}]


@pytest.mark.parametrize(
    ("item_id", "message"),
    [
        ("99999999999999999999999", "is out of range"),
        ("9223372036854775808", "is out of range"),  # 2**63: one past PostgreSQL's bigint
        ("4%00", "must not contain NUL characters"),
        ("%D9%A4", "is not an integer"),  # an Arabic-Indic 4, which int() would read as 4
    ],
)
def test_a_hostile_path_parameter_is_a_400_naming_it(
    client: Any, bearer: Any, issue: Any, item_id: str, message: str
) -> None:
    response = client.get(f"/api/v1/items/{item_id}", headers=bearer(issue()))
    assert assert_invalid(response) == [{"field": "path.item_id", "message": message}]


def test_a_query_string_that_is_not_utf8_still_answers(client: Any) -> None:
    # Werkzeug keeps undecodable bytes percent-encoded, so no lone surrogate reaches a view.
    response = client.get("/api/v1/search?q=%ED%A0%80%FF")
    assert response.status_code == 200
    assert response.get_json()["q"] == "%ED%A0%80%FF"


class TestPlainIntRoutes:
    """``<int:...>`` in routes outside the specs (strava-sim, admin pages): an id beyond 64
    bits reached SQLite as OverflowError, a 500."""

    @pytest.fixture
    def client(self, make_app: Any) -> Any:
        app = make_app()

        @app.get("/things/<int:thing_id>")
        def thing(thing_id: int) -> dict[str, int]:
            return {"id": thing_id}

        return app.test_client()

    def test_the_biggest_64_bit_id_is_routed(self, client: Any) -> None:
        response = client.get(f"/things/{2**63 - 1}")
        assert response.json == {"id": 2**63 - 1}

    @pytest.mark.parametrize("thing_id", [str(2**63), "9" * 30])
    def test_a_bigger_id_is_404_json(self, client: Any, thing_id: str) -> None:
        response = client.get(f"/things/{thing_id}")
        assert response.status_code == 404
        assert response.json["code"] == "not_found"


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"a\x00b": 1}, "body.a\\x00b", "must not contain NUL characters"),
        ({"ok": {"\ud800": "x"}}, "body.ok.\\ud800", "is not valid Unicode (lone surrogate)"),
        ({"ok": ["fine", {"k": "v\x00"}]}, "body.ok[1].k", "must not contain NUL characters"),
    ],
)
def test_object_keys_no_database_stores_are_named_too(
    body: dict[str, Any], field: str, message: str
) -> None:
    from runnerly_common.openapi_values import unstorable_text

    assert list(unstorable_text(body, "body")) == [{"field": field, "message": message}]
