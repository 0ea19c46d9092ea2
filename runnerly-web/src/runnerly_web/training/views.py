"""Statistics, records, the monthly report, races and training plans: each a call to the
dataservice on the runner's behalf, answered as it is."""

from __future__ import annotations

from typing import Any

from flask import Response

from runnerly_common.openapi import OpenAPIBlueprint, query_params, request_body
from runnerly_web.extensions import dataservice
from runnerly_web.web_session import require_user


def _query() -> dict[str, str]:
    return {k: str(v) for k, v in query_params().items()}


def _get(path: str, **params: Any) -> Any:
    user_id = require_user()
    return dataservice().json("GET", f"/users/{user_id}{path}", runner=user_id, params=params)


def _send(method: str, path: str, body: Any = None) -> Any:
    user_id = require_user()
    response = dataservice().call(method, f"/users/{user_id}{path}", runner=user_id, json=body)
    return response.json() if response.content else None


def bind(api: OpenAPIBlueprint) -> None:
    @api.operation("getStatsTotals")
    def totals() -> Any:
        return _get("/stats/totals", **_query())

    @api.operation("getStatsRecords")
    def records() -> Any:
        return _get("/stats/records")

    @api.operation("getStatsSummary")
    def summary() -> Any:
        return _get("/stats/summary", **_query())

    @api.operation("getMonthlyReport")
    def report(year: int, month: int) -> Any:
        return _get(f"/reports/{year}/{month}")

    @api.operation("listRaces")
    def list_races() -> dict[str, Any]:
        answer = _get("/races", per_page=200)
        return {"items": answer["items"]}

    @api.operation("createRace")
    def create_race() -> tuple[Any, int]:
        return _send("POST", "/races", request_body()), 201

    @api.operation("getRace")
    def get_race(race_id: int) -> Any:
        return _get(f"/races/{race_id}")

    @api.operation("updateRace")
    def update_race(race_id: int) -> Any:
        return _send("PATCH", f"/races/{race_id}", request_body())

    @api.operation("deleteRace")
    def delete_race(race_id: int) -> Response:
        _send("DELETE", f"/races/{race_id}")
        return Response(status=204)

    @api.operation("generatePlan")
    def generate_plan(race_id: int) -> tuple[Any, int]:
        """201 for a new plan, 200 when the race's plan was generated again (replaced)."""
        user_id = require_user()
        response = dataservice().call(
            "POST",
            f"/users/{user_id}/races/{race_id}/plan",
            runner=user_id,
            json=request_body() or {},
        )
        return response.json(), response.status_code

    @api.operation("updatePlanSession")
    def update_plan_workout(plan_id: int, session_id: int) -> Any:
        return _send("PATCH", f"/plans/{plan_id}/sessions/{session_id}", request_body())

    @api.operation("getNextSession")
    def next_workout() -> Any:
        return _get("/training/next")

    @api.operation("listPlans")
    def list_plans() -> dict[str, Any]:
        answer = _get("/plans", per_page=200)
        return {"items": answer["items"]}

    @api.operation("getPlan")
    def get_plan(plan_id: int) -> Any:
        return _get(f"/plans/{plan_id}")

    @api.operation("updatePlan")
    def update_plan(plan_id: int) -> Any:
        return _send("PATCH", f"/plans/{plan_id}", request_body())

    @api.operation("deletePlan")
    def delete_plan(plan_id: int) -> Response:
        _send("DELETE", f"/plans/{plan_id}")
        return Response(status=204)
