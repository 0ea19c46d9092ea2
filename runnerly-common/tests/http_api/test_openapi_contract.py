"""The spec is served, documented, bound completely, and responses are held to it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from runnerly_common.openapi import OpenAPIBlueprint

SPEC = Path(__file__).parent / "data" / "items.yaml"


class TestServedSpec:
    def test_the_spec_is_served_as_json_under_the_prefix(self, client: Any) -> None:
        response = client.get("/api/v1/openapi.json")
        assert response.status_code == 200
        assert response.mimetype == "application/json"
        spec = response.get_json()
        assert spec["info"]["title"] == "Items (runnerly-common test API)"
        assert set(spec["paths"]) == {"/search", "/items", "/items/{item_id}", "/broken", "/later"}

    def test_the_served_spec_names_the_prefix_as_its_server(self, client: Any) -> None:
        assert client.get("/api/v1/openapi.json").get_json()["servers"] == [{"url": "/api/v1"}]

    def test_the_spec_needs_no_token(self, client: Any) -> None:
        assert client.get("/api/v1/openapi.json").status_code == 200


class TestDocsPage:
    @pytest.fixture
    def page(self, client: Any) -> str:
        response = client.get("/api/v1/docs")
        assert response.status_code == 200
        assert response.mimetype == "text/html"
        return response.get_data(as_text=True)

    def test_it_lists_every_operation_with_its_method_and_full_path(self, page: str) -> None:
        for operation_id, method, path in [
            ("search", "get", "/api/v1/search"),
            ("createItem", "post", "/api/v1/items"),  # a path without GET
            ("deleteItem", "delete", "/api/v1/items/{item_id}"),
        ]:
            assert f'id="{operation_id}"' in page
            assert f'<span class="method {method}">{method}</span> <code>{path}</code>' in page

    def test_it_shows_the_scopes_an_operation_needs(self, page: str) -> None:
        assert (
            "<code>bearer</code> with scope runs:write or <code>bearer</code> with scope admin"
        ) in page

    def test_it_links_the_machine_readable_spec(self, page: str) -> None:
        assert 'href="/api/v1/openapi.json"' in page


class TestResponseValidation:
    def test_a_response_off_the_spec_becomes_a_500_invalid_response(self, client: Any) -> None:
        response = client.get("/api/v1/broken")
        assert response.status_code == 500
        body = response.get_json()
        assert body["code"] == "invalid_response"
        assert "'seven' is not of type 'integer'" in body["message"]
        assert body["request_id"] == response.headers["X-Request-ID"]

    def test_a_response_on_the_spec_passes_unchanged(
        self, client: Any, bearer: Any, issue: Any
    ) -> None:
        response = client.get("/api/v1/items/5", headers=bearer(issue()))
        assert response.status_code == 200
        assert response.get_json() == {"id": 5, "name": "int 5"}

    def test_error_responses_are_checked_against_the_spec_too(self, client: Any) -> None:
        response = client.get("/api/v1/items/5")  # 401, declared as the default response
        assert response.status_code == 401
        assert response.get_json()["code"] == "missing_token"

    def test_responses_are_not_checked_unless_asked(self, app: Flask) -> None:
        app.config["OPENAPI_VALIDATE_RESPONSES"] = False
        response = app.test_client().get("/api/v1/broken")
        assert response.status_code == 200
        assert response.get_json() == {"id": "seven"}


class TestBinding:
    def test_check_all_bound_names_operations_without_a_view(self) -> None:
        api = OpenAPIBlueprint("items", __name__, SPEC, url_prefix="/api/v1")
        api.operation("search")(lambda: {})
        with pytest.raises(
            RuntimeError,
            match=r"^operations without a view: brokenResponse, "
            r"createItem, deleteItem, getItem, notYetBound$",
        ):
            api.check_all_bound()

    def test_check_all_bound_passes_when_every_operation_has_a_view(self) -> None:
        api = OpenAPIBlueprint("items", __name__, SPEC, url_prefix="/api/v1")
        for operation_id in api.operations:
            api.operation(operation_id)(lambda **_: {})
        api.check_all_bound()

    def test_binding_an_operation_the_spec_lacks_fails_at_import(self) -> None:
        api = OpenAPIBlueprint("items", __name__, SPEC, url_prefix="/api/v1")
        with pytest.raises(KeyError, match="getItems"):
            api.operation("getItems")

    def test_an_invalid_spec_fails_at_start_up(self, tmp_path: Path) -> None:
        spec = tmp_path / "broken.yaml"
        spec.write_text("openapi: 3.1.0\npaths: {}\n", encoding="utf-8")
        with pytest.raises(Exception, match=r"['\"]info['\"] is a required property"):
            OpenAPIBlueprint("broken", __name__, spec)
