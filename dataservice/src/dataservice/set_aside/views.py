"""HTTP view of a runner's set-aside activities (written through ``addRuns``)."""

from __future__ import annotations

from typing import Any

from dataservice.authz import runner_or_404
from dataservice.context import session
from dataservice.set_aside import service
from runnerly_common.openapi import OpenAPIBlueprint, query_params


def bind(api: OpenAPIBlueprint) -> None:
    @api.operation("listSetAside")
    def list_set_aside(user_id: int) -> dict[str, Any]:
        runner_or_404(session(), user_id)
        params = query_params()
        rows, total = service.list_set_aside(session(), user_id, params["page"], params["per_page"])
        return {
            "items": [service.to_dict(row) for row in rows],
            "total": total,
            "page": params["page"],
            "per_page": params["per_page"],
        }
