"""The runner's VDOT trend, race predictions, marathon shape and heart-rate zones, and a
run's VDOT and time in zones: each a call to the dataservice on the runner's behalf,
answered as it is."""

from __future__ import annotations

from typing import Any

from runnerly_common.openapi import OpenAPIBlueprint, query_params
from runnerly_web.extensions import dataservice
from runnerly_web.web_session import require_user


def _get(path: str) -> Any:
    user_id = require_user()
    params = {key: str(value) for key, value in query_params().items()}
    return dataservice().json("GET", f"/users/{user_id}{path}", runner=user_id, params=params)


def bind(api: OpenAPIBlueprint) -> None:
    @api.operation("getVdotTrend")
    def vdot_trend() -> Any:
        return _get("/vo2max/trend")

    @api.operation("getRacePredictions")
    def race_predictions() -> Any:
        return _get("/vo2max/predictions")

    @api.operation("getMarathonReadiness")
    def marathon_readiness() -> Any:
        return _get("/vo2max/readiness")

    @api.operation("getWeeklyHeartRateZones")
    def weekly_zones() -> Any:
        return _get("/heart-rate-zones")

    @api.operation("getRunFitness")
    def run_fitness(run_id: int) -> Any:
        return _get(f"/runs/{run_id}/fitness")
