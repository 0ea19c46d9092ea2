"""Reading and changing one runner's races."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from dataservice.errors import conflict, not_found
from dataservice.plans.models import Plan, PlanWorkout
from dataservice.races.models import Race
from runnerly_common.db import utcnow

FIELDS = ("name", "date", "distance", "location", "goal_time")
WHEN = ("upcoming", "past", "all")
# A plan spans at most this many weeks (its start Monday to race day): see plans.checks.
MAX_PLAN_DAYS = 52 * 7


def today() -> date:
    """Days to go count from the UTC date: runners' time zones are not known here."""
    return utcnow().date()


def get_race(session: Session, runner_id: int, race_id: int) -> Race:
    """Another runner's race is not found, exactly like a race that does not exist."""
    race = session.get(Race, race_id)
    if race is None or race.runner_id != runner_id:
        raise not_found(f"race {race_id}")
    return race


def list_races(
    session: Session,
    runner_id: int,
    *,
    when: str = "all",
    on: date,
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[Race], int]:
    """Upcoming races (``on`` included) nearest first, then past ones latest first: the
    next race is what a runner looks for, the last one what they remember."""
    conditions = [Race.runner_id == runner_id]
    if when == "upcoming":
        conditions.append(Race.date >= on)
    elif when == "past":
        conditions.append(Race.date < on)
    total = session.scalar(select(func.count(Race.id)).where(*conditions)) or 0
    is_past = Race.date < on
    order = (
        is_past,
        case((Race.date >= on, Race.date)).asc(),  # NULL for past races: one group, no matter
        Race.date.desc(),
        Race.id,
    )
    races = session.scalars(
        select(Race)
        .where(*conditions)
        .order_by(*order)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return list(races), total


def create_race(session: Session, runner_id: int, data: dict[str, Any]) -> Race:
    race = Race(runner_id=runner_id)
    _apply(race, data)
    session.add(race)
    session.flush()
    return race


def update_race(session: Session, race: Race, data: dict[str, Any]) -> Race:
    if "date" in data and data["date"] != race.date:
        _check_plans_fit(session, race, data["date"])
    _apply(race, data)
    session.flush()
    return race


def delete_race(session: Session, race: Race) -> None:
    """Its plans go with it (the foreign key cascades)."""
    session.delete(race)
    session.flush()


def _apply(race: Race, data: dict[str, Any]) -> None:
    for field in FIELDS:
        if field in data:
            value = data[field]
            if field == "name":
                value = value.strip()
            elif field == "goal_time" and value is not None:
                value = int(value)
            elif field == "distance":
                value = float(value)
            setattr(race, field, value)
    race.updated_at = utcnow()


def _check_plans_fit(session: Session, race: Race, new_date: date) -> None:
    """A race's plans end on race day: moving the race must keep every plan valid."""
    latest_workout = (
        select(func.max(PlanWorkout.date))
        .join(Plan, Plan.id == PlanWorkout.plan_id)
        .where(Plan.race_id == race.id)
        .scalar_subquery()
    )
    first_start, last_start, last_workout = session.execute(
        select(func.min(Plan.start_date), func.max(Plan.start_date), latest_workout).where(
            Plan.race_id == race.id
        )
    ).one()
    if first_start is None:
        return
    latest = max(d for d in (last_start, last_workout) if d is not None)
    if new_date < latest:
        raise conflict("body.date", f"a plan for this race has a session or start on {latest}")
    if new_date > first_start + timedelta(days=MAX_PLAN_DAYS - 1):
        raise conflict(
            "body.date", f"a plan for this race starts on {first_start}: at most 52 weeks"
        )
