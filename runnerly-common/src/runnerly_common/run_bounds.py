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


# As a runner reads each value's name: the reason is shown on the Strava page under the
# activity it set aside.
LABELS = {
    "distance": "distance",
    "moving_time": "moving time",
    "elapsed_time": "elapsed time",
    "average_speed": "average speed",
    "max_speed": "maximum speed",
    "average_hr": "average heart rate",
    "max_hr": "maximum heart rate",
    "elevation_gain": "elevation gain",
}


def problem(name: str, value: Any) -> str | None:
    """Why ``value`` cannot be stored as the run's ``name``, or None: a sentence for the
    runner ("Its elapsed time (1,168 h) is more than Runnerly keeps (at most 556 h)")."""
    low, high, unit = {**REQUIRED, **OPTIONAL}[name]
    label = LABELS[name]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return f"Its {label} ({str(value)[:40]!r}) is not a number"
    if value > high:
        return (
            f"Its {label} ({_shown(value, unit)}) is more than Runnerly keeps"
            f" (at most {_shown(high, unit)})"
        )
    if value < low:
        if low == 0:
            return f"Its {label} ({_shown(value, unit)}) is below zero"
        return (
            f"Its {label} ({_shown(value, unit)}) is less than Runnerly keeps"
            f" (at least {_shown(low, unit)})"
        )
    return None


def _shown(value: float, unit: str) -> str:
    """A bound or a value in the unit a runner reads it in: hours, km, km/h."""
    if unit == "s" and abs(value) >= 3600:
        return f"{value / 3600:,.0f} h"
    if unit == "m" and abs(value) >= 10_000:
        return f"{value / 1000:,.0f} km"
    if unit == "m/s":
        return f"{value * 3.6:,.0f} km/h"
    return f"{value:,.0f} {unit}" if abs(value) >= 1000 else f"{value:g} {unit}"
