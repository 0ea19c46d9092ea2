"""Figures as a runner reads them, in their units: distances, durations, paces, changes.

The dataservice answers in metres, seconds and seconds per kilometre; a runner whose
profile says ``imperial`` reads miles, feet and minutes per mile.  Every figure is
rounded once, to what is shown, so a pace of 299.6 s/km reads 5:00, never 4:60.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@dataclass(frozen=True)
class Units:
    distance: str  # the unit's name: km, mi
    metres: float  # metres in one distance unit
    elevation: str  # m, ft
    elevation_metres: float  # metres in one elevation unit


METRIC = Units("km", 1000.0, "m", 1.0)
IMPERIAL = Units("mi", 1609.344, "ft", 0.3048)


def units_for(preference: str | None) -> Units:
    """The runner's profile ``units``; metric when unset or unknown."""
    return IMPERIAL if preference == "imperial" else METRIC


def month_name(year: int, month: int) -> str:
    """``October 2026``: English whatever the machine's locale (the mail is English)."""
    return f"{MONTHS[month - 1]} {year}"


def day_name(instant: str) -> str:
    """``12 October`` from the run's local start (``2026-10-12T06:30:00``, the runner's
    calendar) or an RFC 3339 instant."""
    moment = datetime.fromisoformat(instant)
    return f"{moment.day} {MONTHS[moment.month - 1]}"


def distance(metres: float, units: Units) -> str:
    return f"{metres / units.metres:,.1f} {units.distance}"


def elevation(metres: float, units: Units) -> str:
    return f"{metres / units.elevation_metres:,.0f} {units.elevation}"


def clock(seconds: float) -> str:
    """A race-style time: ``42:05``, ``1:02:30``."""
    total = round(abs(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def hours_minutes(seconds: float) -> str:
    """A month's time on the feet: ``14 h 05 min``, ``45 min``."""
    minutes = round(abs(seconds) / 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def pace(seconds_per_km: float | None, units: Units) -> str:
    """``5:23 /km``; a dash when there is no pace (no distance)."""
    if seconds_per_km is None:
        return "–"
    return f"{clock(seconds_per_km * units.metres / 1000)} /{units.distance}"


def _sign(value: float) -> str:
    return "+" if value > 0 else "-" if value < 0 else "±"


def _percent(percent: float | None) -> str:
    return "" if percent is None else f" ({percent:+.1f}%)"


def count_change(delta: float | None, percent: float | None) -> str:
    if delta is None:
        return "–"
    return f"{_sign(delta)}{abs(delta):.0f}{_percent(percent)}"


def distance_change(delta: float | None, percent: float | None, units: Units) -> str:
    if delta is None:
        return "–"
    return f"{_sign(delta)}{distance(abs(delta), units)}{_percent(percent)}"


def time_change(delta: float | None, percent: float | None) -> str:
    if delta is None:
        return "–"
    return f"{_sign(delta)}{hours_minutes(delta)}{_percent(percent)}"


def elevation_change(delta: float | None, percent: float | None, units: Units) -> str:
    if delta is None:
        return "–"
    return f"{_sign(delta)}{elevation(abs(delta), units)}{_percent(percent)}"


def pace_change(delta: float | None, units: Units) -> str:
    """A lower pace is a faster month: ``0:12 /km faster``."""
    if delta is None:
        return "–"
    per_unit = delta * units.metres / 1000
    if round(per_unit) == 0:
        return "same pace"
    word = "faster" if per_unit < 0 else "slower"
    return f"{clock(per_unit)} /{units.distance} {word}"
