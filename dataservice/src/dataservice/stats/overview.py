"""The longest run and the biggest week and month, from one read of a runner's runs.

The records panel used to read a runner's whole history three times (the longest run, the
biggest week, the biggest month: each a pass over every run's heap page, ~1,000 for three
years).  Here one statement groups the runs by (week, month) — a week split by a month's
end is two groups — with their sums and longest distance; weeks and months add up their
groups, and the longest run is then read from the one group that holds it (an index range
of a few days).  The same answers as :func:`records.longest_run` and
:func:`records.biggest` (the earliest of equals), a third of the work.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dataservice.runs.models import Run
from dataservice.stats import buckets
from dataservice.stats.periods import shift
from dataservice.stats.rows import RUN_COLUMNS, run_to_record
from dataservice.stats.totals import DEFAULT_SPORTS, runner_runs

_NONE = (0, 0.0, 0, 0, 0.0)


def _add(a: tuple[Any, ...], b: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple((x or 0) + (y or 0) for x, y in zip(a, b, strict=True))


def _biggest(periods: dict[date, tuple[Any, ...]]) -> dict[str, Any] | None:
    if not periods:
        return None
    start = min(periods, key=lambda day: (-(periods[day][1] or 0), day))
    return {"start": start.isoformat(), **buckets.totals(periods[start])}


def overview(session: Session, runner_id: int) -> dict[str, Any]:
    """``longest_run``, ``biggest_week`` and ``biggest_month`` of the records panel."""
    week = buckets.period_start(session, "week")
    month = buckets.period_start(session, "month")
    rows = session.execute(
        select(week, month, *buckets.sums(), func.max(Run.distance))
        .where(*runner_runs(runner_id, DEFAULT_SPORTS))
        .group_by(week, month)
    ).all()
    weeks: dict[date, tuple[Any, ...]] = defaultdict(lambda: _NONE)
    months: dict[date, tuple[Any, ...]] = defaultdict(lambda: _NONE)
    longest: tuple[float, date, date] | None = None
    for row in sorted(rows, key=lambda r: (buckets.as_date(r[0]), buckets.as_date(r[1]))):
        week_start, month_start = buckets.as_date(row[0]), buckets.as_date(row[1])
        sums = tuple(row[2:7])
        weeks[week_start] = _add(weeks[week_start], sums)
        months[month_start] = _add(months[month_start], sums)
        if longest is None or row[7] > longest[0]:
            longest = (row[7], week_start, month_start)
    return {
        "longest_run": None if longest is None else _longest(session, runner_id, *longest),
        "biggest_week": _biggest(weeks),
        "biggest_month": _biggest(months),
    }


def _longest(
    session: Session, runner_id: int, distance: float, week: date, month: date
) -> dict[str, Any] | None:
    """The earliest run of ``distance`` in the (week, month) group that holds it."""
    start = max(week, month)
    end = min(week + timedelta(days=7), shift(month, "month", 1))
    row = session.execute(
        select(*RUN_COLUMNS)
        .where(*runner_runs(runner_id, DEFAULT_SPORTS, start, end), Run.distance == distance)
        .order_by(Run.start_time, Run.id)
        .limit(1)
    ).first()
    # None cannot happen: the group read just now holds it.
    return None if row is None else run_to_record(row)
