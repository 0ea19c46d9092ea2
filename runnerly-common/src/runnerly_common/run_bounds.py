"""The values a stored run may hold: one table for every service that writes runs.

The dataservice's OpenAPI spec states the same bounds (its tests check that they match this
table); the Strava worker checks each activity against them before it sends a batch, so an
absurd value Strava reports (an elapsed time of 1,168 hours: a watch left running) sets that
one activity aside with its reason instead of making the dataservice refuse the whole page.
"""

from __future__ import annotations

import math
from typing import Any

# name: (lowest, highest, unit as a runner reads it); inclusive.
REQUIRED: dict[str, tuple[float, float, str]] = {
    "distance": (0, 1_000_000, "m"),
    "moving_time": (0, 2_000_000, "s"),
    "elapsed_time": (0, 2_000_000, "s"),
}
OPTIONAL: dict[str, tuple[float, float, str]] = {
    "average_speed": (0, 200, "m/s"),
    "max_speed": (0, 200, "m/s"),
    "average_hr": (20, 260, "bpm"),
    "max_hr": (20, 260, "bpm"),
    "elevation_gain": (0, 100_000, "m"),
}
TITLE_MAX = 255
POLYLINE_MAX = 100_000
REASON_MAX = 300  # a set-aside activity's reason, as the dataservice stores it


def problem(name: str, value: Any) -> str | None:
    """Why ``value`` cannot be stored as the run's ``name``, or None."""
    low, high, unit = {**REQUIRED, **OPTIONAL}[name]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return f"{name} {str(value)[:40]!r} is not a number"
    if not low <= value <= high:
        stored = f"{low:g} to {high:g} {unit}"
        return f"{name} {value:g} {unit} is outside what Runnerly stores ({stored})"
    return None
