"""The runner's shoes (``/api/web/gear``), through the dataservice with the runner's token:
each pair with its distance and retirement alert, as the Profile and the run page show them."""

from __future__ import annotations

from typing import Any

from flask import Response

from runnerly_common.openapi import OpenAPIBlueprint, query_params, request_body
from runnerly_web.extensions import dataservice
from runnerly_web.web_session import require_user


def bind(api: OpenAPIBlueprint) -> None:
    @api.operation("listGear")
    def list_gear() -> dict[str, Any]:
        user_id = require_user()
        params = {k: v for k, v in query_params().items() if k == "state"}
        return dataservice().json("GET", f"/users/{user_id}/gear", runner=user_id, params=params)

    @api.operation("createGear")
    def create_gear() -> tuple[dict[str, Any], int]:
        user_id = require_user()
        path = f"/users/{user_id}/gear"
        return dataservice().json("POST", path, runner=user_id, json=request_body()), 201

    @api.operation("updateGear")
    def update_gear(gear_id: int) -> dict[str, Any]:
        user_id = require_user()
        path = f"/users/{user_id}/gear/{gear_id}"
        return dataservice().json("PATCH", path, runner=user_id, json=request_body())

    @api.operation("deleteGear")
    def delete_gear(gear_id: int) -> Response:
        user_id = require_user()
        dataservice().call("DELETE", f"/users/{user_id}/gear/{gear_id}", runner=user_id)
        return Response(status=204)
