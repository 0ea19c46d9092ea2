"""HTTP view for a runner's heatmap: over heatmap.service."""

from __future__ import annotations

from typing import Any

from dataservice.authz import runner_or_404
from dataservice.context import session
from dataservice.heatmap import service
from runnerly_common.openapi import OpenAPIBlueprint, query_params


def bind(api: OpenAPIBlueprint) -> None:
    @api.operation("getHeatmap")
    def get_heatmap(user_id: int) -> dict[str, Any]:
        runner_or_404(session(), user_id)
        params = query_params()
        return service.heatmap(session(), user_id, params.get("year"), params.get("sport"))
