"""The rules a plan keeps, whoever writes it: the schema checks each value, these check
values against each other and against the race.  Each failure names the field at fault,
in a sentence a runner can read (the dashboard shows it as it is, its dates in the
runner's format)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from dataservice.errors import invalid
from dataservice.races.service import MAX_PLAN_DAYS

MAX_WEEKS = MAX_PLAN_DAYS // 7
MAX_PER_DAY = 3  # a double day and a cross-training workout; more is not a plan


def week_count(start: date, race_day: date) -> int:
    """Weeks from the Monday ``start`` to race week, both included."""
    return (race_day - start).days // 7 + 1


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def check_start(start: date, race_day: date, field: str = "body.start_date") -> None:
    """Weeks count from a Monday; a plan ends on race day and spans at most 52 weeks."""
    if start.weekday() != 0:
        raise invalid(field, f"A plan starts on a Monday; {start.isoformat()} is not one.")
    if start > race_day:
        raise invalid(field, f"The plan must start on or before race day ({race_day.isoformat()}).")
    if week_count(start, race_day) > MAX_WEEKS:
        raise invalid(field, f"A plan spans at most {MAX_WEEKS} weeks, race week included.")


def check_workouts(
    workouts: Sequence[dict[str, Any]], start: date, race_day: date, prefix: str = "body.sessions"
) -> None:
    """Every workout within the plan, at most 3 a day; a run has a distance or a duration,
    a rest day has neither."""
    per_day: Counter[date] = Counter()
    for index, item in enumerate(workouts):
        per_day[item["date"]] += 1
        check_workout(item, per_day[item["date"]], start, race_day, f"{prefix}[{index}]")


def check_workout(
    item: dict[str, Any], on_its_day: int, start: date, race_day: date, field: str
) -> None:
    """One workout, the ``on_its_day``-th of its day."""
    day = item["date"]
    if not start <= day <= race_day:
        raise invalid(f"{field}.date", f"must be within the plan ({start} to {race_day})")
    if on_its_day > MAX_PER_DAY:
        raise invalid(f"{field}.date", f"A day holds at most {MAX_PER_DAY} sessions.")
    if item["kind"] == "rest":
        for name in ("distance", "duration"):
            if item.get(name) is not None:
                raise invalid(f"{field}.{name}", "A rest day has no distance or duration.")
    elif item.get("distance") is None and item.get("duration") is None:
        raise invalid(f"{field}.distance", "A session needs a distance or a duration.")


def check_kept_workouts(days: Iterable[date], start: date, race_day: date, field: str) -> None:
    """Workouts a change leaves in place must still fall within the plan."""
    outside = sorted(d for d in days if not start <= d <= race_day)
    if outside:
        raise invalid(
            field,
            f"The plan has a session on {outside[0]}, outside its dates ({start} to {race_day}):"
            " move or delete it first.",
        )
