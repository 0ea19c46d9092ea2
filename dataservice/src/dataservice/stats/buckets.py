"""The SQL that groups runs by period, and sums them; the one place that knows dialects.

Each backend truncates a run's local start (``start_local``, a naive wall-clock time:
the runner's day, not UTC's) to its period differently: PostgreSQL with ``date_trunc``,
SQLite with ``date()`` modifiers on the text it stores.  Both give a date, the period's
first day.  Constants are
rendered inline rather than bound, so that the expression in ``GROUP BY`` is textually the
one in the select list (PostgreSQL refuses ``$1`` there matched against ``$2``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Date, cast, func, literal_column
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from dataservice import pace
from dataservice.runs.models import Run
from dataservice.stats.periods import Period

_SQLITE_MODIFIERS = {
    "week": ("'weekday 0'", "'-6 days'"),  # next Sunday (or today), back to its Monday
    "month": ("'start of month'",),
    "year": ("'start of year'",),
}


def period_start(session: Session, period: Period) -> ColumnElement[date]:
    """The first day of the period of each run's local start, as a SQL ``date``."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.date_trunc(literal_column(f"'{period}'"), Run.start_local), Date)
    modifiers: list[ColumnElement[Any]] = [literal_column(m) for m in _SQLITE_MODIFIERS[period]]
    return func.date(Run.start_local, *modifiers, type_=Date)


def sums() -> list[Any]:
    """count, distance, moving time, elapsed time and elevation gain of a group of runs
    (sums of nothing are NULL: :func:`totals` reads them as zero)."""
    return [
        func.count(Run.id),
        func.sum(Run.distance),
        func.sum(Run.moving_time),
        func.sum(Run.elapsed_time),
        func.sum(Run.elevation_gain),
    ]


def totals(row: Sequence[Any] | None) -> dict[str, Any]:
    """The figures a runner reads, from the five :func:`sums` (``None``: nothing run).

    Pace is moving time per kilometre (as Strava shows it), null when nothing was covered;
    speed is metres per second over moving time, null without moving time."""
    count, distance, moving, elapsed, elevation = row or (0, 0.0, 0, 0, 0.0)
    distance, moving = float(distance or 0), int(moving or 0)
    return {
        "count": int(count or 0),
        "distance": round(distance, 1),
        "moving_time": moving,
        "elapsed_time": int(elapsed or 0),
        "elevation_gain": round(float(elevation or 0), 1),
        "average_pace": pace.per_km(moving, distance),
        "average_speed": round(distance / moving, 3) if moving > 0 else None,
    }


def as_date(value: date | str) -> date:
    """A period start as the driver returns it (a date; text on some SQLite paths)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
