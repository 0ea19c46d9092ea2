"""What the runner actually ran, from the runs table: planned vs done, and the recent
volume a generated plan starts from.  Weeks are Monday to Sunday, in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from dataservice.runs.efforts import RUNNING_SPORTS
from dataservice.runs.models import Run


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def done_by_week(
    session: Session, runner_id: int, start: date, weeks: int
) -> list[tuple[float, int]]:
    """(distance, run count) of each week from the Monday ``start``: one grouped query
    over one index range (runner, start time), whatever the number of weeks.

    The week of a run is a CASE over the week boundaries: portable SQL, where date
    arithmetic differs between PostgreSQL and SQLite.  Only running sports count."""
    bounds = [_midnight(start + timedelta(weeks=i)) for i in range(weeks + 1)]
    week = case(*((Run.start_time < bounds[i], i) for i in range(1, weeks + 1)), else_=weeks).label(
        "week"
    )
    runs = (
        select(week, Run.distance)
        .where(
            Run.runner_id == runner_id,
            Run.start_time >= bounds[0],
            Run.start_time < bounds[-1],
            Run.sport_type.in_(RUNNING_SPORTS),
        )
        .subquery()
    )
    done = [(0.0, 0)] * weeks
    rows = session.execute(
        select(runs.c.week, func.sum(runs.c.distance), func.count()).group_by(runs.c.week)
    )
    for number, distance, count in rows:
        done[int(number) - 1] = (round(float(distance or 0), 1), int(count))
    return done


def recent_weekly_distance(session: Session, runner_id: int, before: date, weeks: int = 4) -> float:
    """Average running distance a week over the ``weeks`` whole weeks before ``before``."""
    end = _midnight(before)
    total = session.scalar(
        select(func.sum(Run.distance)).where(
            Run.runner_id == runner_id,
            Run.start_time >= end - timedelta(weeks=weeks),
            Run.start_time < end,
            Run.sport_type.in_(RUNNING_SPORTS),
        )
    )
    return float(total or 0) / weeks
