"""Reading and changing one runner's training plans."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dataservice.errors import conflict, not_found
from dataservice.plans import checks, matching, progress
from dataservice.plans.models import Plan, PlanWorkout
from dataservice.plans.serialize import plan_summary, plan_to_dict
from dataservice.races.models import Race
from runnerly_common.db import utcnow
from runnerly_common.errors import APIError

WORKOUT_FIELDS = ("date", "kind", "distance", "duration", "target_pace", "notes")


def get_plan(session: Session, runner_id: int, plan_id: int) -> Plan:
    """Another runner's plan is not found, exactly like a plan that does not exist."""
    plan = session.get(Plan, plan_id)
    if plan is None or plan.runner_id != runner_id:
        raise not_found(f"plan {plan_id}")
    return plan


def race_of(session: Session, runner_id: int, race_id: int, field: str = "body.race_id") -> Race:
    """The runner's own race; another runner's is 404 like a missing one, so a race id
    tells nothing about who owns it.  The answer names the field that held the id."""
    race = session.get(Race, race_id)
    if race is None or race.runner_id != runner_id:
        message = f"race {race_id} not found"
        raise APIError(404, "not_found", message, errors=[{"field": field, "message": message}])
    return race


def list_plans(
    session: Session, runner_id: int, *, race_id: int | None, page: int, per_page: int
) -> tuple[list[dict[str, Any]], int]:
    """Latest start first; workout counts and sums come from correlated subqueries over
    the page's plans only."""
    conditions = [Plan.runner_id == runner_id]
    if race_id is not None:
        conditions.append(Plan.race_id == race_id)
    total = session.scalar(select(func.count(Plan.id)).where(*conditions)) or 0
    of_plan = PlanWorkout.plan_id == Plan.id
    count = select(func.count(PlanWorkout.id)).where(of_plan).scalar_subquery()
    planned = select(func.sum(PlanWorkout.distance)).where(of_plan).scalar_subquery()
    rows = session.execute(
        select(Plan, Race, count, planned)
        .join(Race, Race.id == Plan.race_id)
        .where(*conditions)
        .order_by(Plan.start_date.desc(), Plan.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return [plan_summary(p, r, int(n or 0), float(d or 0)) for p, r, n, d in rows], total


def describe(session: Session, plan: Plan, today: date) -> dict[str, Any]:
    """The plan with its weeks, planned vs done, each workout with the run that did it."""
    race = _race(session, plan)
    weeks = checks.week_count(plan.start_date, race.date)
    done = progress.done_by_week(session, plan.runner_id, plan.start_date, weeks)
    return plan_to_dict(plan, race, done, today, outcomes(session, plan, race, today))


def outcomes(session: Session, plan: Plan, race: Race, today: date) -> dict[int, matching.Outcome]:
    """Each workout's outcome (done, partly done, missed...), matched against the runs of
    the plan's days and their neighbours."""
    first = plan.start_date - timedelta(days=matching.NEIGHBOUR_DAYS)
    last = max([race.date, *(s.date for s in plan.workouts)])
    runs = progress.runs_between(
        session, plan.runner_id, first, last + timedelta(days=matching.NEIGHBOUR_DAYS)
    )
    planned = [
        matching.PlannedWorkout(s.id, s.date, s.kind, s.distance, s.duration, s.skipped)
        for s in plan.workouts
    ]
    return matching.match(planned, runs, today)


def check_one_plan_per_race(
    session: Session, race: Race, field: str, plan_id: int | None = None
) -> None:
    """A race has one plan: a second one is a conflict that names the plan to change."""
    existing = session.scalar(select(Plan.id).where(Plan.race_id == race.id, Plan.id != plan_id))
    if existing is not None:
        raise conflict(
            field,
            f"race {race.id} already has a plan ({existing}): change or delete it, or"
            " generate it again to replace it",
        )


def create_plan(session: Session, runner_id: int, data: dict[str, Any]) -> Plan:
    race = race_of(session, runner_id, data["race_id"])
    check_one_plan_per_race(session, race, "body.race_id")
    checks.check_start(data["start_date"], race.date)
    workouts = data.get("sessions", [])
    checks.check_workouts(workouts, data["start_date"], race.date)
    plan = Plan(
        runner_id=runner_id,
        race_id=race.id,
        name=(data.get("name") or f"Plan for {race.name}").strip()[:200],
        start_date=data["start_date"],
    )
    plan.workouts = [_new_workout(item) for item in workouts]
    session.add(plan)
    session.flush()
    return plan


def update_plan(session: Session, plan: Plan, data: dict[str, Any]) -> Plan:
    """``sessions``, when given, replace the plan's workouts as a whole."""
    if "race_id" in data:
        race = race_of(session, plan.runner_id, data["race_id"])
        check_one_plan_per_race(session, race, "body.race_id", plan.id)
    else:
        race = _race(session, plan)
    start = data.get("start_date", plan.start_date)
    moved = "body.start_date" if "start_date" in data else "body.race_id"
    checks.check_start(start, race.date, moved)
    if "sessions" in data:
        checks.check_workouts(data["sessions"], start, race.date)
        plan.workouts = [_new_workout(item) for item in data["sessions"]]
    elif "start_date" in data or "race_id" in data:
        checks.check_kept_workouts((s.date for s in plan.workouts), start, race.date, moved)
    if "name" in data:
        plan.name = data["name"].strip()
    plan.race_id, plan.start_date, plan.updated_at = race.id, start, utcnow()
    session.flush()
    return plan


def delete_plan(session: Session, plan: Plan) -> None:
    session.delete(plan)
    session.flush()


def _race(session: Session, plan: Plan) -> Race:
    race = session.get(Race, plan.race_id)
    if race is None:  # the foreign key forbids it; a concurrent delete took it away
        raise not_found(f"race {plan.race_id}")
    return race


def _new_workout(item: dict[str, Any]) -> PlanWorkout:
    values = {field: item.get(field) for field in WORKOUT_FIELDS}
    if values["duration"] is not None:
        values["duration"] = int(values["duration"])
    return PlanWorkout(**values)
