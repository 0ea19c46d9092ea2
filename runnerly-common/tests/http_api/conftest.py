"""The test app: a service built with ``create_app``, as every Runnerly service is.

It has plain views (one protected by ``requires_scope``) and an OpenAPI blueprint at
``/api/v1`` serving ``data/items.yaml``; bearer tokens are checked against the JWKS server
of the root conftest, over HTTP.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, Response, request

from runnerly_common import APIError, Settings, create_app
from runnerly_common.auth import current_claims, requires_scope
from runnerly_common.openapi import OpenAPIBlueprint, query_params, request_body

SPEC = Path(__file__).parent / "data" / "items.yaml"


def add_test_views(app: Flask) -> OpenAPIBlueprint:
    """Plain views protected by ``requires_scope`` and an OpenAPI blueprint at /api/v1."""

    @app.get("/runs")
    @requires_scope("runs:read")
    def list_runs() -> dict[str, Any]:
        return {"sub": current_claims()["sub"], "runs": []}

    @app.post("/upload")
    def upload() -> dict[str, int]:
        return {"size": len(request.get_data())}

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("db password hunter2 rejected by 10.0.0.7")

    @app.get("/conflict")
    def conflict() -> None:
        raise APIError(
            409,
            "duplicate_run",
            "this run is already stored",
            headers={"Retry-After": "3"},
            field="external_id",
        )

    api = OpenAPIBlueprint("items", __name__, SPEC, url_prefix="/api/v1")

    @api.operation("search")
    def search() -> dict[str, Any]:
        return query_params()

    @api.operation("createItem")
    def create_item() -> tuple[dict[str, Any], int]:
        body = request_body()
        return {"id": 7, "name": body["name"], "quantity": body["quantity"]}, 201

    @api.operation("getItem")
    def get_item(item_id: int) -> dict[str, Any]:
        return {"id": item_id, "name": f"{type(item_id).__name__} {item_id}"}

    @api.operation("deleteItem")
    def delete_item(item_id: int) -> Response:
        return Response(status=204)

    @api.operation("brokenResponse")
    def broken() -> dict[str, Any]:
        return {"id": "seven"}

    app.register_blueprint(api)
    return api


@pytest.fixture
def make_app(jwks_server: Any, issuer: str, audience: str) -> Iterator[Callable[..., Flask]]:
    """Build the test app with ``create_app``; keyword arguments override settings."""
    apps: list[Flask] = []

    def build(**overrides: Any) -> Flask:
        values = {"env": "test", "jwks_url": jwks_server.url, "token_issuer": issuer}
        values.update(overrides)
        app = create_app(audience, Settings.load(environ={}, **values), configure_logs=False)
        app.config["OPENAPI_VALIDATE_RESPONSES"] = True
        add_test_views(app)
        apps.append(app)
        return app

    yield build
    for app in apps:  # close pooled connections to the JWKS server
        verifier = app.extensions.get("runnerly.verifier")
        if verifier is not None:
            verifier.keys.http.close()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> Any:
    return app.test_client()
