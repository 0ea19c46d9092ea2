"""The one range of dates Runnerly stores: 1970-01-01 to 2100-12-31 (UTC).

Python's dates run from year 1 to 9999, and a run dated 9999-12-31 was stored, then broke
its runner's yearly totals (the year after it does not exist); a race on that day broke
plan generation. Every date a client, a file or Strava brings is checked against this
range before it is stored: the API (the toolkit's OpenAPI validation checks every
``format: date`` and ``date-time`` value, body and query alike), file imports and the
Strava mapping. The bounds leave room on both sides for anything computed from a stored
date (a week, a month, a 52-week plan) without leaving Python's range.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

MIN_DATE = date(1970, 1, 1)
MAX_DATE = date(2100, 12, 31)
# Date-times: from the first instant of MIN_DATE to the last of MAX_DATE, in UTC.
MIN_DATETIME = datetime(1970, 1, 1, tzinfo=UTC)
END_DATETIME = datetime(2101, 1, 1, tzinfo=UTC)  # exclusive
RANGE_TEXT = f"between {MIN_DATE.isoformat()} and {MAX_DATE.isoformat()}"
# For OpenAPI specs: the year part of a date or date-time in range (the exact bounds,
# offsets included, are checked by :func:`date_problem` and :func:`datetime_problem`).
YEAR_PATTERN = r"^(19[7-9][0-9]|20[0-9][0-9]|2100)-"


def date_problem(value: date) -> str | None:
    """Why ``value`` cannot be stored, or None."""
    if isinstance(value, datetime):
        return datetime_problem(value)
    if not MIN_DATE <= value <= MAX_DATE:
        return f"must be {RANGE_TEXT}"
    return None


def datetime_problem(value: datetime) -> str | None:
    """Why ``value`` cannot be stored, or None; a naive value is taken as UTC."""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    if not MIN_DATETIME <= aware < END_DATETIME:
        return f"must be {RANGE_TEXT} (UTC)"
    return None


def in_range(value: date) -> bool:
    return date_problem(value) is None
