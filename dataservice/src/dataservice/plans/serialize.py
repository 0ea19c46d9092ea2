"""Plans as the API shows them: workouts grouped into weeks, each with planned vs done."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from dataservice.plans.checks import week_count
from dataservice.plans.matching import Outcome
from dataservice.plans.models import Plan, PlanWorkout
from dataservice.races.models import Race
from dataservice.races.serialize import race_to_dict


def workout_to_dict(item: PlanWorkout, outcome: Outcome | None = None) -> dict[str, Any]:
    run = outcome.run if outcome else None
    return {
        "id": item.id,
        "date": item.date.isoformat(),
        "kind": item.kind,
        "distance": item.distance,
        "duration": item.duration,
        "target_pace": item.target_pace,
        "notes": item.notes,
        "skipped": bool(item.skipped),
        "moved_from": item.moved_from.isoformat() if item.moved_from else None,
        "edited": bool(item.edited),
        "status": outcome.status if outcome else "planned",
        "run": (
            {
                "id": run.id,
                "date": run.day.isoformat(),
                "distance": run.distance,
                "moving_time": run.moving_time,
            }
            if run
            else None
        ),
    }


def plan_to_dict(
    plan: Plan,
    race: Race,
    done: Sequence[tuple[float, int]],
    today: date,
    outcomes: Mapping[int, Outcome] | None = None,
) -> dict[str, Any]:
    """Every week from the start to race week, empty ones included, so that a dashboard
    draws the whole plan; ``done`` holds (distance, runs) per week."""
    weeks: list[dict[str, Any]] = [
        {
            "week": number,
            "start": (plan.start_date + timedelta(weeks=number - 1)).isoformat(),
            "end": (plan.start_date + timedelta(weeks=number, days=-1)).isoformat(),
            "planned_distance": 0.0,
            "planned_duration": 0,
            "sessions": [],
            "done": {"distance": done[number - 1][0], "runs": done[number - 1][1]},
        }
        for number in range(1, week_count(plan.start_date, race.date) + 1)
    ]
    for item in sorted(plan.workouts, key=lambda s: (s.date, s.id or 0)):
        week = weeks[(item.date - plan.start_date).days // 7]
        week["sessions"].append(workout_to_dict(item, (outcomes or {}).get(item.id)))
        week["planned_distance"] = round(week["planned_distance"] + (item.distance or 0), 1)
        week["planned_duration"] += item.duration or 0
    return {
        **_head(plan, race),
        "race": race_to_dict(race, today),
        "weeks": weeks,
    }


def plan_summary(plan: Plan, race: Race, workouts: int, planned: float) -> dict[str, Any]:
    """A plan in a list: its outline, without the workouts."""
    return {
        **_head(plan, race),
        "weeks": week_count(plan.start_date, race.date),
        "sessions": workouts,
        "planned_distance": round(planned, 1),
    }


def _head(plan: Plan, race: Race) -> dict[str, Any]:
    return {
        "id": plan.id,
        "runner_id": plan.runner_id,
        "race_id": plan.race_id,
        "name": plan.name,
        "start_date": plan.start_date.isoformat(),
        "end_date": race.date.isoformat(),
        "created_at": plan.created_at.isoformat(),
        "updated_at": plan.updated_at.isoformat(),
    }
