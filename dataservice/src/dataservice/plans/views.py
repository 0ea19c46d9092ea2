"""HTTP views for training plans: thin, over plans.service and plans.generate_service."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Response

from dataservice.authz import runner_or_404
from dataservice.context import session
from dataservice.plans import generate_service, service, workouts
from dataservice.races import service as races
from dataservice.runs.local_time import local_today
from dataservice.users.service import runner_zone
from runnerly_common.openapi import OpenAPIBlueprint, query_params, request_body


def bind(api: OpenAPIBlueprint) -> None:
    @api.operation("listPlans")
    def list_plans(user_id: int) -> dict[str, Any]:
        runner_or_404(session(), user_id)
        params = query_params()
        items, total = service.list_plans(
            session(),
            user_id,
            race_id=params.get("race_id"),
            page=params["page"],
            per_page=params["per_page"],
        )
        return {
            "items": items,
            "total": total,
            "page": params["page"],
            "per_page": params["per_page"],
        }

    @api.operation("createPlan")
    def create_plan(user_id: int) -> tuple[dict[str, Any], int]:
        runner_or_404(session(), user_id)
        plan = service.create_plan(session(), user_id, request_body())
        session().commit()
        return service.describe(session(), plan, _today(user_id)), 201

    @api.operation("getPlan")
    def get_plan(user_id: int, plan_id: int) -> dict[str, Any]:
        runner_or_404(session(), user_id)
        plan = service.get_plan(session(), user_id, plan_id)
        return service.describe(session(), plan, _today(user_id))

    @api.operation("updatePlan")
    def update_plan(user_id: int, plan_id: int) -> dict[str, Any]:
        runner_or_404(session(), user_id)
        plan = service.update_plan(
            session(), service.get_plan(session(), user_id, plan_id), request_body()
        )
        session().commit()
        return service.describe(session(), plan, _today(user_id))

    @api.operation("deletePlan")
    def delete_plan(user_id: int, plan_id: int) -> Response:
        runner_or_404(session(), user_id)
        service.delete_plan(session(), service.get_plan(session(), user_id, plan_id))
        session().commit()
        return Response(status=204)

    @api.operation("generatePlan")
    def generate_plan(user_id: int, race_id: int) -> tuple[dict[str, Any], int]:
        runner_or_404(session(), user_id)
        race = races.get_race(session(), user_id, race_id)
        today = _today(user_id)
        plan, inputs, created = generate_service.generate_plan(
            session(), race, request_body() or {}, today
        )
        session().commit()
        return {**service.describe(session(), plan, today), "inputs": inputs}, (
            201 if created else 200
        )

    @api.operation("updatePlanSession")
    def update_plan_workout(user_id: int, plan_id: int, session_id: int) -> dict[str, Any]:
        runner_or_404(session(), user_id)
        plan = service.get_plan(session(), user_id, plan_id)
        item = workouts.get_workout(plan, session_id)
        workouts.update_workout(session(), plan, item, request_body())
        session().commit()
        return service.describe(session(), plan, _today(user_id))

    @api.operation("getNextSession")
    def next_workout(user_id: int) -> dict[str, Any]:
        runner_or_404(session(), user_id)
        return workouts.next_workout(session(), user_id, _today(user_id))


def _today(user_id: int) -> date:
    """The runner's today: a workout is missed, and the next one chosen, on their calendar."""
    return local_today(runner_zone(session(), user_id))
