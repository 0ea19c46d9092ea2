"""Calendar periods (ISO weeks from Monday, months, years) of the runner's own calendar,
on Python dates: a run belongs to the day of its local start (``Run.start_local``).

The SQL groups runs by the start of their period (see :mod:`dataservice.stats.buckets`);
this module does the same arithmetic on the Python side, to choose the query's range and to
zero-fill the periods in which nothing was run.  Doing that here keeps the SQL portable.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Literal

from runnerly_common import dates

Period = Literal["week", "month", "year"]
PERIODS: tuple[Period, ...] = ("week", "month", "year")
# The dates Runnerly stores and accepts (one range, in the toolkit): no period arithmetic
# overflows within them.
FIRST_DAY = dates.MIN_DATE
LAST_DAY = dates.MAX_DATE


def period_start(day: date, period: Period) -> date:
    """The first day of the week (Monday), month or year that contains ``day``."""
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day.replace(month=1, day=1)


def shift(start: date, period: Period, count: int) -> date:
    """The start of the period ``count`` periods after (or before) the one at ``start``."""
    if period == "week":
        return start + timedelta(weeks=count)
    if period == "month":
        months = start.year * 12 + start.month - 1 + count
        return date(months // 12, months % 12 + 1, 1)
    return date(start.year + count, 1, 1)


def count_between(first: date, last: date, period: Period) -> int:
    """How many periods from the one starting at ``first`` to the one starting at ``last``,
    both included; computed, not enumerated, so a silly range costs nothing to refuse."""
    if period == "week":
        return (last - first).days // 7 + 1
    if period == "month":
        return (last.year - first.year) * 12 + last.month - first.month + 1
    return last.year - first.year + 1


def starts_between(first: date, last: date, period: Period) -> list[date]:
    """The starts of every period from ``first`` to ``last`` (both period starts)."""
    return [shift(first, period, i) for i in range(count_between(first, last, period))]


def midnight(day: date) -> datetime:
    """The start of ``day`` on a wall clock: the bound compared with runs' ``start_local``."""
    return datetime(day.year, day.month, day.day)


def instant(day: date) -> datetime:
    """Midnight UTC at the start of ``day``: the bound compared with runs' start times."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def today() -> date:
    return datetime.now(UTC).date()
