"""One workout of a plan, changed by its runner (moved, changed, skipped), and the next
workout toward the coming race, for the dashboard."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dataservice.errors import invalid, not_found
from dataservice.plans import checks, service
from dataservice.plans.models import Plan, PlanWorkout
from dataservice.plans.serialize import workout_to_dict
from dataservice.races.models import Race
from dataservice.races.serialize import race_to_dict
from runnerly_common.db import utcnow

WHAT = ("kind", "distance", "duration", "target_pace", "notes")


def get_workout(plan: Plan, workout_id: int) -> PlanWorkout:
    item = next((s for s in plan.workouts if s.id == workout_id), None)
    if item is None:
        raise not_found(f"session {workout_id} of plan {plan.id}")
    return item


def update_workout(
    session: Session, plan: Plan, item: PlanWorkout, data: dict[str, Any]
) -> PlanWorkout:
    """Move (``date``), change (kind, distance, duration, pace, notes) or skip a workout.

    The result keeps the plan's rules (within the plan, at most 3 a day, a rest day has no
    distance, a run has one); the race stays on race day: moving it is moving the race."""
    race = service.race_of(session, plan.runner_id, plan.race_id, "path.plan_id")
    values = {name: getattr(item, name) for name in ("date", *WHAT)}
    values.update({name: data[name] for name in ("date", *WHAT) if name in data})
    if item.kind == "race" and values["date"] != item.date:
        raise invalid("body.date", "the race session stays on race day: change the race's date")
    on_its_day = 1 + sum(s.date == values["date"] for s in plan.workouts if s.id != item.id)
    checks.check_workout(values, on_its_day, plan.start_date, race.date, "body")
    if values["date"] != item.date:
        original = item.moved_from or item.date
        item.moved_from = None if values["date"] == original else original
        item.date = values["date"]
    if any(values[name] != getattr(item, name) for name in WHAT):
        item.edited = True
        for name in WHAT:
            setattr(item, name, values[name])
    if item.duration is not None:
        item.duration = int(item.duration)
    if "skipped" in data:
        item.skipped = bool(data["skipped"])
    plan.updated_at = utcnow()
    session.flush()
    return item


def next_workout(session: Session, runner_id: int, today: date) -> dict[str, Any]:
    """The coming race (the nearest on or after today) and the first workout still to do
    in its plan: from today on, not rest, not skipped, not already done."""
    race = session.scalars(
        select(Race)
        .where(Race.runner_id == runner_id, Race.date >= today)
        .order_by(Race.date, Race.id)
        .limit(1)
    ).one_or_none()
    answer: dict[str, Any] = {"race": None, "plan": None, "session": None}
    if race is None:
        return answer
    answer["race"] = race_to_dict(race, today)
    plan = session.scalars(select(Plan).where(Plan.race_id == race.id)).one_or_none()
    if plan is None:
        return answer
    answer["plan"] = {"id": plan.id, "name": plan.name}
    outcomes = service.outcomes(session, plan, race, today)
    for item in sorted(plan.workouts, key=lambda s: (s.date, s.kind == "race", s.id)):
        outcome = outcomes[item.id]
        if item.date >= today and item.kind != "rest" and outcome.status == "planned":
            answer["session"] = workout_to_dict(item, outcome)
            break
    return answer
