"""What the runner actually ran, from the runs table: planned vs done, the runs that may
have done a plan's workouts, and the recent volume a generated plan starts from.

Days and weeks are the runner's local ones: a run's day is that of its local start
(``Run.start_local``, docs/decisions.md 29); weeks run Monday to Sunday.  Only runs that
count do (:mod:`dataservice.plans.counting`)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from dataservice.plans.counting import counted_conditions
from dataservice.plans.matching import DoneRun
from dataservice.runs.models import Run


def _start() -> Any:
    """The column a run's day is read from: its local wall-clock start."""
    return Run.start_local


def _midnight(day: date) -> datetime:
    """The start of ``day`` on a wall clock, as ``start_local`` is stored (naive)."""
    return datetime.combine(day, time())


def done_by_week(
    session: Session, runner_id: int, start: date, weeks: int
) -> list[tuple[float, int]]:
    """(distance, run count) of each week from the Monday ``start``: one grouped query
    over one index range (runner, start time), whatever the number of weeks.

    The week of a run is a CASE over the week boundaries: portable SQL, where date
    arithmetic differs between PostgreSQL and SQLite."""
    started = _start()
    bounds = [_midnight(start + timedelta(weeks=i)) for i in range(weeks + 1)]
    week = case(*((started < bounds[i], i) for i in range(1, weeks + 1)), else_=weeks).label("week")
    runs = (
        select(week, Run.distance)
        .where(
            Run.runner_id == runner_id,
            started >= bounds[0],
            started < bounds[-1],
            *counted_conditions(),
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


def runs_between(session: Session, runner_id: int, first: date, last: date) -> list[DoneRun]:
    """The counted runs of the local days ``first`` to ``last``, both included."""
    started = _start()
    rows = session.execute(
        select(Run.id, started, Run.distance, Run.moving_time).where(
            Run.runner_id == runner_id,
            started >= _midnight(first),
            started < _midnight(last + timedelta(days=1)),
            *counted_conditions(),
        )
    )
    return [
        DoneRun(run_id, _day(start), float(distance), int(moving))
        for run_id, start, distance, moving in rows
    ]


def _day(start: datetime) -> date:
    return start.date()


def recent_weekly_distance(session: Session, runner_id: int, before: date, weeks: int = 4) -> float:
    """Average running distance a week over the ``weeks`` whole weeks before ``before``."""
    started = _start()
    end = _midnight(before)
    total = session.scalar(
        select(func.sum(Run.distance)).where(
            Run.runner_id == runner_id,
            started >= end - timedelta(weeks=weeks),
            started < end,
            *counted_conditions(),
        )
    )
    return float(total or 0) / weeks
