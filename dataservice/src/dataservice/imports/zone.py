"""Where a file's run was run: the IANA zone of its track's first position.

A file states instants in UTC (GPX, TCX, FIT alike); the runner's day is local, so the
zone comes from where the track starts (``timezonefinder``: the zone boundaries, offline,
shipped as package data).  A track without positions (a treadmill) has none: the file's
own local time (FIT) or the runner's zone decides instead (``runs.service``).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from timezonefinder import TimezoneFinder

from dataservice.runs.local_time import is_zone

from .model import TrackPoint


@cache
def _finder() -> TimezoneFinder:
    """Loaded on the first import that needs it (its boundary data is read lazily)."""
    return TimezoneFinder()


def zone_at(points: Iterable[TrackPoint]) -> str | None:
    """The zone of the first point with a position; None without one (or at sea)."""
    for point in points:
        if point.lat is None or point.lon is None:
            continue
        name = _finder().timezone_at(lng=point.lon, lat=point.lat)
        return name if is_zone(name) else None
    return None
