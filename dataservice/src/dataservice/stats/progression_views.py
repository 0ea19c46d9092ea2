"""HTTP views for records' histories and the records a run set: over stats.progression."""

from __future__ import annotations

from typing import Any

from dataservice.authz import runner_or_404
from dataservice.context import session
from dataservice.runs import service
from dataservice.stats import progression
from dataservice.stats.records import LABELS
from runnerly_common.openapi import OpenAPIBlueprint


def bind(api: OpenAPIBlueprint) -> None:
    @api.operation("getRecordHistory")
    def get_history(user_id: int, distance: int) -> dict[str, Any]:
        runner_or_404(session(), user_id)
        return {
            "distance": distance,
            "label": LABELS[distance],
            "items": progression.history(session(), user_id, distance),
        }

    @api.operation("getRunRecords")
    def get_run_records(user_id: int, run_id: int) -> dict[str, Any]:
        runner_or_404(session(), user_id)
        run = service.get_run(session(), user_id, run_id)
        return {"run_id": run.id, "items": progression.set_by_run(session(), run.id)}
