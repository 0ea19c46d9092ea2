"""Where a Strava activity was run: its UTC offset and IANA zone, for the runner's calendar.

Strava gives ``timezone`` as ``"(GMT+01:00) Europe/Paris"``, ``utc_offset`` in seconds (a
float) and ``start_date_local``, the local wall clock written with a misleading ``Z``.
Each is checked on its own: a garbled one is left out, never the run.  What is left out
the dataservice takes from the runner's own zone.
"""

from __future__ import annotations

import math
from datetime import datetime
from functools import cache
from typing import Any
from zoneinfo import available_timezones

MAX_OFFSET = 18 * 3600  # the dataservice's bound, ISO 8601's


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones()) | {"UTC"}


def zone_name(value: Any) -> str | None:
    """The IANA name in Strava's ``"(GMT+01:00) Europe/Paris"`` (or a bare name)."""
    if not isinstance(value, str):
        return None
    name = value.rsplit(")", 1)[-1].strip() if value.lstrip().startswith("(") else value.strip()
    return name if name in _zone_names() else None


def _offset(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    if not math.isfinite(seconds) or abs(seconds) > MAX_OFFSET:
        return None
    return round(seconds)


def _local_offset(activity: dict[str, Any], start: datetime) -> int | None:
    """``start_date_local`` minus ``start_date``: the offset when ``utc_offset`` is missing."""
    text = activity.get("start_date_local")
    if not isinstance(text, str):
        return None
    try:
        local = datetime.fromisoformat(text.rstrip("Zz"))
    except ValueError:
        return None
    if local.tzinfo is not None:
        local = local.replace(tzinfo=None)
    seconds = (local - start.replace(tzinfo=None)).total_seconds()
    return _offset(seconds)


def place(activity: dict[str, Any], start: datetime) -> dict[str, Any]:
    """``utc_offset`` and ``timezone`` for the run, those that could be read (``start``:
    the activity's UTC start, naive or aware UTC)."""
    found: dict[str, Any] = {}
    offset = _offset(activity.get("utc_offset"))
    if offset is None:
        offset = _local_offset(activity, start)
    if offset is not None:
        found["utc_offset"] = offset
    zone = zone_name(activity.get("timezone"))
    if zone is not None:
        found["timezone"] = zone
    return found
