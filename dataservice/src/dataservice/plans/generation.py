"""A stored plan toward one of the runner's races, from the pure generator: the inputs a
runner leaves out come from their recent runs and the race."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from dataservice.errors import invalid
from dataservice.plans import generator, progress
from dataservice.plans.checks import monday_of, week_count
from dataservice.plans.models import Plan, PlanSession
from dataservice.races.models import Race
from runnerly_common import dates

DEFAULT_RUNS_PER_WEEK = 4
DEFAULT_LONG_RUN_DAY = "sunday"


def generate_plan(
    session: Session, race: Race, body: dict[str, Any], today: date
) -> tuple[Plan, dict[str, Any]]:
    """The stored plan, and the inputs it was generated from (defaults filled in).

    A plan starts no earlier than this week: weeks already gone cannot be trained."""
    # The API refuses such dates; a race stored before it did would overflow the calendar.
    problem = dates.date_problem(race.date)
    if problem:
        raise invalid("path.race_id", f"race {race.id} is on {race.date}: {problem}", status=422)
    profile = generator.profile_for(race.distance)
    available = week_count(monday_of(today), race.date) if race.date >= today else 0
    if available < generator.MIN_WEEKS:
        raise invalid(
            "path.race_id",
            f"race {race.id} is on {race.date}: a generated plan needs"
            f" {generator.MIN_WEEKS} weeks from this one to race week",
            status=422,
        )
    weeks = body.get("weeks")
    if weeks is None:
        weeks = min(profile.weeks, available)
    elif weeks > available:
        raise invalid(
            "body.weeks",
            f"the race is {available} weeks away, this week and race week included",
            status=422,
        )
    weekly = body.get("weekly_distance")
    if weekly is None:
        recent = progress.recent_weekly_distance(session, race.runner_id, monday_of(today))
        weekly = recent or profile.beginner_volume
    inputs = {
        "weeks": weeks,
        "runs_per_week": body.get("runs_per_week", DEFAULT_RUNS_PER_WEEK),
        "weekly_distance": round(float(weekly), 1),
        "long_run_day": body.get("long_run_day", DEFAULT_LONG_RUN_DAY),
        "profile": profile.name,
    }
    generated = generator.generate(
        generator.Inputs(
            race_date=race.date,
            race_distance=race.distance,
            goal_time=race.goal_time,
            weeks=weeks,
            runs_per_week=inputs["runs_per_week"],
            weekly_distance=inputs["weekly_distance"],
            long_run_day=generator.WEEKDAYS.index(inputs["long_run_day"]),
        )
    )
    plan = Plan(
        runner_id=race.runner_id,
        race_id=race.id,
        name=(body.get("name") or f"{race.name}: {weeks}-week plan").strip()[:200],
        start_date=generated.start_date,
    )
    plan.sessions = [
        PlanSession(
            date=s.date,
            kind=s.kind,
            distance=s.distance,
            duration=s.duration,
            target_pace=s.target_pace,
            notes=s.notes,
        )
        for s in generated.sessions
    ]
    session.add(plan)
    session.flush()
    return plan, inputs
