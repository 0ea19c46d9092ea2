"""Requests to OpenAPI operations are checked against the spec before the view runs."""

from __future__ import annotations

from typing import Any

import pytest


def assert_invalid(response: Any, status: int = 400) -> list[dict[str, str]]:
    assert response.status_code == status
    body = response.get_json()
    assert body["code"] == ("invalid_request" if status == 400 else "unsupported_media_type")
    assert body["request_id"] == response.headers["X-Request-ID"]
    first = body["errors"][0]
    assert body["message"] == f"{first['field']}: {first['message']}"
    return body["errors"]


@pytest.fixture
def writer(bearer: Any, issue: Any) -> dict[str, str]:
    return bearer(issue(scope="runs:write"))


class TestQueryParameters:
    def test_they_reach_the_view_typed_with_defaults_applied(self, client: Any) -> None:
        assert client.get("/api/v1/search?q=ab").get_json() == {"q": "ab", "limit": 10}
        assert client.get("/api/v1/search?q=ab&limit=5").get_json() == {"q": "ab", "limit": 5}

    @pytest.mark.parametrize(
        ("query", "field", "message"),
        [
            ("", "query.q", "is required"),
            ("q=a", "query.q", "'a' is too short"),
            ("q=ab&limit=many", "query.limit", "is not an integer"),
            ("q=ab&limit=0", "query.limit", "0 is less than the minimum of 1"),
            ("q=ab&limit=51", "query.limit", "51 is greater than the maximum of 50"),
        ],
    )
    def test_a_bad_one_is_a_400_naming_the_parameter(
        self, client: Any, query: str, field: str, message: str
    ) -> None:
        errors = assert_invalid(client.get(f"/api/v1/search?{query}"))
        assert errors == [{"field": field, "message": message}]

    def test_every_bad_parameter_is_named_at_once(self, client: Any) -> None:
        errors = assert_invalid(client.get("/api/v1/search?q=a&limit=0"))
        assert [e["field"] for e in errors] == ["query.q", "query.limit"]


class TestPathParameters:
    def test_they_reach_the_view_as_typed_keyword_arguments(
        self, client: Any, bearer: Any, issue: Any
    ) -> None:
        response = client.get("/api/v1/items/42", headers=bearer(issue()))
        assert response.get_json() == {"id": 42, "name": "int 42"}

    @pytest.mark.parametrize(
        ("item_id", "message"),
        [
            ("forty-two", "is not an integer"),
            ("0", "0 is less than the minimum of 1"),
        ],
    )
    def test_a_bad_one_is_a_400_naming_the_parameter(
        self, client: Any, bearer: Any, issue: Any, item_id: str, message: str
    ) -> None:
        response = client.get(f"/api/v1/items/{item_id}", headers=bearer(issue()))
        assert assert_invalid(response) == [{"field": "path.item_id", "message": message}]


class TestJSONBody:
    def test_a_valid_body_reaches_the_view_decoded(self, client: Any, writer: Any) -> None:
        response = client.post(
            "/api/v1/items", json={"name": "shoes", "quantity": 2}, headers=writer
        )
        assert response.status_code == 201
        assert response.get_json() == {"id": 7, "name": "shoes", "quantity": 2}

    @pytest.mark.parametrize(
        ("body", "field", "message"),
        [
            ({"name": "", "quantity": 1}, "body.name", "'' should be non-empty"),
            ({"name": "a", "quantity": "2"}, "body.quantity", "'2' is not of type 'integer'"),
            ({"name": "a", "quantity": 0}, "body.quantity", "0 is less than the minimum of 1"),
            (
                {"name": "a", "quantity": 1, "tags": ["x", 3]},
                "body.tags[1]",
                "3 is not of type 'string'",
            ),
            ({"name": "a"}, "body.quantity", "is required"),
            ({"name": "a", "quantity": 1, "admin": True}, "body.admin", "is not allowed"),
            ([1, 2], "body", "[1, 2] is not of type 'object'"),
        ],
    )
    def test_a_body_off_the_schema_is_a_400_naming_the_field(
        self, client: Any, writer: Any, body: Any, field: str, message: str
    ) -> None:
        errors = assert_invalid(client.post("/api/v1/items", json=body, headers=writer))
        assert {"field": field, "message": message} in errors

    @pytest.mark.parametrize(
        ("name", "message"),
        [
            ("nul\u0000byte", "must not contain NUL characters"),
            ("lone \ud83d surrogate", "is not valid Unicode (lone surrogate)"),
        ],
    )
    def test_text_no_database_can_store_is_a_400(
        self, client: Any, writer: Any, name: str, message: str
    ) -> None:
        response = client.post("/api/v1/items", json={"name": name, "quantity": 1}, headers=writer)
        assert assert_invalid(response) == [{"field": "body.name", "message": message}]

    def test_every_bad_field_is_named_at_once(self, client: Any, writer: Any) -> None:
        response = client.post("/api/v1/items", json={"name": "", "quantity": "x"}, headers=writer)
        assert {e["field"] for e in assert_invalid(response)} == {"body.name", "body.quantity"}

    @pytest.mark.parametrize("data", ['{"name": "a",', b"\xff\xfe not UTF-8"])
    def test_malformed_json_is_a_400_not_a_500(self, client: Any, writer: Any, data: Any) -> None:
        response = client.post(
            "/api/v1/items", data=data, content_type="application/json", headers=writer
        )
        assert assert_invalid(response) == [{"field": "body", "message": "is not valid JSON"}]

    @pytest.mark.parametrize("data", [None, b""])
    def test_a_missing_required_body_is_a_400(
        self, client: Any, writer: Any, data: bytes | None
    ) -> None:
        response = client.post(
            "/api/v1/items", data=data, content_type="application/json", headers=writer
        )
        assert assert_invalid(response) == [{"field": "body", "message": "is required"}]

    @pytest.mark.parametrize(
        ("data", "content_type"),
        [
            ("name=a&quantity=1", "application/x-www-form-urlencoded"),
            ("<item/>", "application/xml"),
            ('{"name": "a", "quantity": 1}', "text/plain"),
        ],
    )
    def test_another_content_type_is_a_415_naming_the_expected_one(
        self, client: Any, writer: Any, data: str, content_type: str
    ) -> None:
        response = client.post(
            "/api/v1/items", data=data, content_type=content_type, headers=writer
        )
        assert assert_invalid(response, 415) == [
            {"field": "body", "message": "unsupported content type; expected application/json"}
        ]

    def test_json_with_a_charset_is_accepted(self, client: Any, writer: Any) -> None:
        response = client.post(
            "/api/v1/items",
            data='{"name": "a", "quantity": 1}',
            content_type="application/json; charset=utf-8",
            headers=writer,
        )
        assert response.status_code == 201


class TestSecurityComesFirst:
    def test_an_anonymous_client_learns_nothing_about_the_schema(self, client: Any) -> None:
        response = client.post("/api/v1/items", json={"bogus": 1})
        assert response.status_code == 401
        assert "errors" not in response.get_json()

    def test_a_client_without_the_scope_gets_403_before_validation(
        self, client: Any, bearer: Any, issue: Any
    ) -> None:
        response = client.post("/api/v1/items", json={"bogus": 1}, headers=bearer(issue()))
        assert response.status_code == 403

    def test_an_operation_with_empty_security_needs_no_token(self, client: Any) -> None:
        assert client.get("/api/v1/search?q=ab").status_code == 200
