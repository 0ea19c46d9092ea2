"""A run's local wall-clock time, and a runner's time zone.

A run's days, weeks, months and years are those of where it was run: ``start_local`` is
``start_time`` shifted by the run's ``utc_offset`` (seconds east of UTC), naive.  The
offset comes from the source (Strava's ``utc_offset``, a file's own local time), else from a
zone (the track's first position, the source's zone name), else from the runner's zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

# Offsets in use span UTC-12:00 to UTC+14:00; Strava's are within ±18 h like ISO 8601's.
MAX_OFFSET = 18 * 3600


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones()) | {"UTC"}


def is_zone(name: object) -> bool:
    """Whether ``name`` is an IANA zone name this machine's tz database knows."""
    return isinstance(name, str) and name in _zone_names()


def zone(name: str | None) -> ZoneInfo:
    """The zone called ``name``; UTC for none or an unknown one."""
    return ZoneInfo(name) if name is not None and is_zone(name) else ZoneInfo("UTC")


def offset_at(zone_name: str | None, instant: datetime) -> int:
    """Seconds east of UTC in ``zone_name`` at ``instant`` (daylight saving included)."""
    offset = instant.astimezone(zone(zone_name)).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def local_start(start_time: datetime, utc_offset: int | None) -> datetime:
    """The naive local wall-clock time of the aware instant ``start_time``."""
    return (start_time.astimezone(UTC) + timedelta(seconds=utc_offset or 0)).replace(tzinfo=None)


def local_now(zone_name: str | None) -> datetime:
    """Now on the runner's wall clock (naive, comparable with ``start_local``)."""
    return datetime.now(zone(zone_name)).replace(tzinfo=None)


def local_today(zone_name: str | None) -> date:
    """The runner's today: in Sydney it is tomorrow for hours of a UTC day."""
    return local_now(zone_name).date()


@dataclass(frozen=True)
class LocalTime:
    start_local: datetime
    utc_offset: int
    timezone: str | None


def resolve(
    start_time: datetime,
    *,
    utc_offset: int | None = None,
    timezone: str | None = None,
    fallback_zone: str | None = None,
) -> LocalTime:
    """The run's local time from what its source knows, most precise first: an offset it
    recorded, then a zone it named (the offset that zone had at ``start_time``), then the
    runner's zone."""
    name = timezone if is_zone(timezone) else None
    if utc_offset is None:
        name = name or (fallback_zone if is_zone(fallback_zone) else "UTC")
        utc_offset = offset_at(name, start_time)
    return LocalTime(local_start(start_time, utc_offset), int(utc_offset), name)


def default_start_local(context: Any) -> datetime | None:
    """Column default for a run inserted without ``start_local`` (the offset it was given,
    else UTC); the services set it explicitly."""
    params = context.get_current_parameters()
    start = params.get("start_time")
    if start is None:
        return None
    if start.tzinfo is None:  # already bound as naive UTC
        start = start.replace(tzinfo=UTC)
    return local_start(start, params.get("utc_offset"))
