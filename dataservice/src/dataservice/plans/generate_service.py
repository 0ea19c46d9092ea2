"""Generating a runner's plan toward one of their races and storing it: the service step
around the pure :mod:`dataservice.plans.algorithm`; the inputs a runner leaves out come
from their recent runs and the race.

One plan toward a race: generating again replaces the plan's workouts (its id stays), so
pressing the button twice leaves one plan, the latest."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dataservice.errors import conflict, invalid
from dataservice.plans import algorithm, fitness, progress, vdot
from dataservice.plans.checks import monday_of, week_count
from dataservice.plans.models import Plan, PlanWorkout
from dataservice.races.models import Race
from runnerly_common import dates
from runnerly_common.db import utcnow

DEFAULT_RUNS_PER_WEEK = 4
DEFAULT_LONG_RUN_DAY = "sunday"


def generate_plan(
    session: Session, race: Race, body: dict[str, Any], today: date
) -> tuple[Plan, dict[str, Any], bool]:
    """The stored plan, the inputs it was generated from (defaults filled in), and whether
    it is new (False: the race's plan was replaced).

    A plan starts no earlier than this week: weeks already gone cannot be trained."""
    # The API refuses such dates; a race stored before it did would overflow the calendar.
    problem = dates.date_problem(race.date)
    if problem:
        raise invalid(
            "path.race_id",
            f"Your race's date ({race.date.isoformat()}) is outside the calendar Runnerly"
            f" keeps: it {problem}. Change the race's date first.",
            status=422,
        )
    profile = algorithm.profile_for(race.distance)
    available = week_count(monday_of(today), race.date) if race.date >= today else 0
    if available < algorithm.MIN_WEEKS:
        raise invalid("path.race_id", too_soon(race.date, available), status=422)
    weeks = body.get("weeks")
    if weeks is None:
        weeks = min(profile.weeks, available)
    elif weeks > available:
        raise invalid(
            "body.weeks",
            f"Your race on {race.date.isoformat()} is {_weeks(available)} away, this week and"
            f" race week included: choose at most {available} weeks.",
            status=422,
        )
    weekly = body.get("weekly_distance")
    if weekly is None:
        recent = progress.recent_weekly_distance(session, race.runner_id, monday_of(today))
        weekly = recent or profile.beginner_volume
    fitness_inputs = _fitness(session, race, body, today)
    paces = vdot.training_paces(fitness_inputs["vdot"]) if fitness_inputs["vdot"] else None
    inputs = {
        "weeks": weeks,
        "runs_per_week": body.get("runs_per_week", DEFAULT_RUNS_PER_WEEK),
        "weekly_distance": round(float(weekly), 1),
        "long_run_day": body.get("long_run_day", DEFAULT_LONG_RUN_DAY),
        "profile": profile.name,
        **fitness_inputs,
        "paces": paces.as_dict() if paces else None,
    }
    generated = algorithm.generate(
        algorithm.Inputs(
            race_date=race.date,
            race_distance=race.distance,
            goal_time=race.goal_time,
            weeks=weeks,
            runs_per_week=inputs["runs_per_week"],
            weekly_distance=inputs["weekly_distance"],
            long_run_day=algorithm.WEEKDAYS.index(inputs["long_run_day"]),
            paces=paces,
        )
    )
    plan = session.scalars(select(Plan).where(Plan.race_id == race.id)).one_or_none()
    created = plan is None
    if plan is None:
        plan = Plan(runner_id=race.runner_id, race_id=race.id)
        session.add(plan)
    plan.name = (body.get("name") or f"{race.name}: {weeks}-week plan").strip()[:200]
    plan.start_date = generated.start_date
    plan.updated_at = utcnow()
    plan.workouts = [
        PlanWorkout(
            date=s.date,
            kind=s.kind,
            distance=s.distance,
            duration=s.duration,
            target_pace=s.target_pace,
            notes=s.notes,
        )
        for s in generated.workouts
    ]
    try:
        session.flush()
    except IntegrityError:  # the same race's plan, generated at the same moment
        session.rollback()
        raise conflict(
            "path.race_id", "A plan toward this race was just made: reload the page to see it."
        ) from None
    return plan, inputs, created


def too_soon(race_day: date, available: int) -> str:
    """Why no plan can be generated toward a race ``available`` weeks away (fewer than the
    minimum), in the runner's words: these messages reach the runner as they are."""
    if available == 0:
        return (
            f"Your race on {race_day.isoformat()} is over: a plan leads up to a race still to"
            " come. Add your next race to plan toward it."
        )
    return (
        f"Your race on {race_day.isoformat()} is {_weeks(available)} away, this week and race"
        f" week included; a generated plan needs at least {algorithm.MIN_WEEKS} weeks."
        " Choose a later race."
    )


def _weeks(count: int) -> str:
    return "1 week" if count == 1 else f"{count} weeks"


def _fitness(session: Session, race: Race, body: dict[str, Any], today: date) -> dict[str, Any]:
    """The VDOT paces come from: the runner's own figure, else their best recent effort,
    else the race's goal time; none without any (no pace is then invented)."""
    if body.get("vdot") is not None:
        return {"vdot": round(float(body["vdot"]), 1), "vdot_source": "given", "vdot_effort": None}
    best = fitness.recent_fitness(session, race.runner_id, today)
    if best is not None:
        return {
            "vdot": round(min(max(best.vdot, vdot.MIN_VDOT), vdot.MAX_VDOT), 1),
            "vdot_source": "best_effort",
            "vdot_effort": best.as_dict(),
        }
    if race.goal_time:
        goal = vdot.vdot(race.distance, race.goal_time)
        return {
            "vdot": round(min(max(goal, vdot.MIN_VDOT), vdot.MAX_VDOT), 1),
            "vdot_source": "goal_time",
            "vdot_effort": None,
        }
    return {"vdot": None, "vdot_source": None, "vdot_effort": None}
