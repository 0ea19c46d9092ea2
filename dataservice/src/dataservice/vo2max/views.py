"""HTTP views for a runner's VDOT, predictions, marathon shape and heart-rate zones: thin,
over vo2max.service."""

from __future__ import annotations

from typing import Any

from dataservice.authz import runner_or_404
from dataservice.context import session
from dataservice.vo2max import service
from runnerly_common.openapi import OpenAPIBlueprint, query_params


def bind(api: OpenAPIBlueprint) -> None:
    @api.operation("getVdotTrend")
    def get_trend(user_id: int) -> dict[str, Any]:
        runner_or_404(session(), user_id)
        params = query_params()
        return service.vdot_trend(
            session(), user_id, params.get("from"), params.get("to"), params.get("period", "day")
        )

    @api.operation("getRacePredictions")
    def get_predictions(user_id: int) -> dict[str, Any]:
        runner_or_404(session(), user_id)
        return service.race_predictions(session(), user_id)

    @api.operation("getMarathonReadiness")
    def get_readiness(user_id: int) -> dict[str, Any]:
        runner_or_404(session(), user_id)
        return service.marathon_readiness(session(), user_id)

    @api.operation("getWeeklyHeartRateZones")
    def get_weekly_zones(user_id: int) -> dict[str, Any]:
        runner_or_404(session(), user_id)
        params = query_params()
        return service.weekly_zones(session(), user_id, params.get("from"), params.get("to"))

    @api.operation("getRunFitness")
    def get_run_fitness(user_id: int, run_id: int) -> dict[str, Any]:
        runner_or_404(session(), user_id)
        return service.run_fitness(session(), user_id, run_id)
