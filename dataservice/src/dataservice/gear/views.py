"""HTTP views for a runner's shoes: thin, over gear.service."""

from __future__ import annotations

from typing import Any

from flask import Response

from dataservice.authz import runner_or_404
from dataservice.context import session
from dataservice.gear import service
from dataservice.gear.serialize import gear_to_dict
from runnerly_common.openapi import OpenAPIBlueprint, query_params, request_body


def _one(user_id: int, gear_id: int) -> dict[str, Any]:
    gear = service.get_gear(session(), user_id, gear_id)
    use = service.worn(session(), user_id, [gear.id]).get(gear.id, service.Worn())
    return gear_to_dict(gear, use)


def bind(api: OpenAPIBlueprint) -> None:
    @api.operation("listGear")
    def list_gear(user_id: int) -> dict[str, Any]:
        runner_or_404(session(), user_id)
        state = query_params().get("state", "all")
        retired = None if state == "all" else state == "retired"
        pairs = service.list_gear(session(), user_id, retired=retired)
        use = service.worn(session(), user_id)
        return {"items": [gear_to_dict(g, use.get(g.id, service.Worn())) for g in pairs]}

    @api.operation("createGear")
    def create_gear(user_id: int) -> tuple[dict[str, Any], int]:
        runner_or_404(session(), user_id)
        gear = service.create_gear(session(), user_id, request_body())
        session().commit()
        return _one(user_id, gear.id), 201

    @api.operation("getGear")
    def get_gear(user_id: int, gear_id: int) -> dict[str, Any]:
        runner_or_404(session(), user_id)
        return _one(user_id, gear_id)

    @api.operation("updateGear")
    def update_gear(user_id: int, gear_id: int) -> dict[str, Any]:
        runner_or_404(session(), user_id)
        gear = service.get_gear(session(), user_id, gear_id)
        service.update_gear(session(), gear, request_body())
        session().commit()
        return _one(user_id, gear_id)

    @api.operation("deleteGear")
    def delete_gear(user_id: int, gear_id: int) -> Response:
        runner_or_404(session(), user_id)
        service.delete_gear(session(), service.get_gear(session(), user_id, gear_id))
        session().commit()
        return Response(status=204)
