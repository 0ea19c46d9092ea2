"""Totals per week, month or year, and the dashboard's summary, summed in SQL.

Every query reads one runner's runs through the index on (runner_id, start_local), over the
range asked for only, so its cost follows the answer rather than the table.  Periods
without runs are filled in afterwards, in Python: a dashboard draws a week of rest as a
zero, not as a gap.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from dataservice.errors import invalid
from dataservice.runs.counted import counted
from dataservice.runs.efforts import RUNNING_SPORTS
from dataservice.runs.local_time import local_today
from dataservice.runs.models import Run
from dataservice.stats import buckets
from dataservice.stats.periods import (
    FIRST_DAY,
    LAST_DAY,
    PERIODS,
    Period,
    count_between,
    midnight,
    period_start,
    shift,
    starts_between,
)
from dataservice.users.service import runner_zone

# Ten years of weeks: more is not a chart, it is a scan.
MAX_BUCKETS = 520
# Stats are about running unless the caller names other sports.
DEFAULT_SPORTS: tuple[str, ...] = tuple(sorted(RUNNING_SPORTS))
# Without ``from``: the last 12 weeks or months; years go back to the first run.
DEFAULT_SPAN = {"week": 12, "month": 12}


def sports_or_default(sports: Collection[str] | None) -> tuple[str, ...]:
    return tuple(sorted(set(sports))) if sports else DEFAULT_SPORTS


def runner_runs(
    runner_id: int, sports: Collection[str], start: date | None = None, end: date | None = None
) -> list[ColumnElement[bool]]:
    """Conditions for a runner's counted runs of ``sports`` from ``start`` to before ``end``."""
    conditions = [Run.runner_id == runner_id, Run.sport_type.in_(sports), *counted()]
    if start is not None:
        conditions.append(Run.start_local >= midnight(start))
    if end is not None:
        conditions.append(Run.start_local < midnight(end))
    return conditions


def period_totals(
    session: Session,
    runner_id: int,
    period: Period,
    start: date | None = None,
    end: date | None = None,
    sports: Collection[str] | None = None,
) -> dict[str, Any]:
    """The totals answer: the days covered (``to`` the last day of the last period) and
    one bucket per period, from the query's ``from``/``to`` or their defaults."""
    sports = sports_or_default(sports)
    first, last = period_range(session, runner_id, period, start, end, sports)
    return {
        "period": period,
        "from": first.isoformat(),
        "to": (shift(last, period, 1) - timedelta(days=1)).isoformat(),
        "sport": list(sports),
        "buckets": totals_by_period(session, runner_id, period, first, last, sports),
    }


def totals_by_period(
    session: Session,
    runner_id: int,
    period: Period,
    first: date,
    last: date,
    sports: Collection[str],
) -> list[dict[str, Any]]:
    """One bucket per period from the one starting at ``first`` to the one at ``last``
    (period starts), empty periods included, oldest first."""
    start = buckets.period_start(session, period)
    rows = session.execute(
        select(start, *buckets.sums())
        .where(*runner_runs(runner_id, sports, first, shift(last, period, 1)))
        .group_by(start)
    )
    found = {buckets.as_date(row[0]): row[1:] for row in rows}
    return [
        {"start": day.isoformat(), **buckets.totals(found.get(day))}
        for day in starts_between(first, last, period)
    ]


def period_range(
    session: Session,
    runner_id: int,
    period: Period,
    start: date | None,
    end: date | None,
    sports: Collection[str],
) -> tuple[date, date]:
    """The first and last period starts for ``from``/``to`` (days, both included), with
    the defaults, and the bounds that keep an answer a chart: 400 naming the field."""
    for field, day in (("query.from", start), ("query.to", end)):
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise invalid(field, f"must be between {FIRST_DAY} and {LAST_DAY}")
    if start is not None and end is not None and end < start:
        raise invalid("query.to", "must not be before 'from'")
    today = local_today(runner_zone(session, runner_id))  # "this week" is the runner's
    last = period_start(end or max(today, start or FIRST_DAY), period)
    if start is not None:
        first = period_start(start, period)
    elif period in DEFAULT_SPAN:
        first = max(shift(last, period, 1 - DEFAULT_SPAN[period]), FIRST_DAY)
    else:
        first_run = session.scalar(
            select(func.min(Run.start_local)).where(*runner_runs(runner_id, sports))
        )
        # A run stored before dates were bounded may be older than FIRST_DAY: not a period.
        oldest = max(first_run.date(), FIRST_DAY) if first_run else last
        first = period_start(min(oldest, last), period)
    count = count_between(first, last, period)
    if count > MAX_BUCKETS:
        raise invalid(
            "query.from", f"spans {count} {period}s; at most {MAX_BUCKETS} fit in one answer"
        )
    return first, last


def summary(session: Session, runner_id: int, day: date, sports: Collection[str]) -> dict[str, Any]:
    """All-time totals and those of the week, month and year containing ``day``: one
    pass over the runner's runs, each window a set of aggregates with ``FILTER``."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise invalid("query.date", f"must be between {FIRST_DAY} and {LAST_DAY}")
    windows = {period: period_start(day, period) for period in PERIODS}
    columns = buckets.sums()
    for period, first in windows.items():
        inside = (
            Run.start_local >= midnight(first),
            Run.start_local < midnight(shift(first, period, 1)),
        )
        columns += [aggregate.filter(*inside) for aggregate in buckets.sums()]
    row = session.execute(select(*columns).where(*runner_runs(runner_id, sports))).one()
    answer: dict[str, Any] = {"date": day.isoformat(), "sport": list(sports)}
    answer["all_time"] = buckets.totals(row[0:5])
    for index, (period, first) in enumerate(windows.items(), start=1):
        figures = buckets.totals(row[5 * index : 5 * index + 5])
        answer[period] = {"start": first.isoformat(), **figures}
    return answer
