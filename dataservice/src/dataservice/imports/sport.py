"""Map a file's free-form sport label to a Strava-style sport type.

GPX `<type>` is free text ("running", "Trail Running", "9"), TCX has `Sport="Running"`, FIT has
enum names ("running" + sub-sport "trail"). Runnerly stores Strava's names so that runs from
files and from Strava sort into the same statistics.
"""

from __future__ import annotations

import re

DEFAULT_SPORT = "Run"
"""A file that says nothing about its sport is a run: this is an app for runners."""

_EXACT = {
    "run": "Run",
    "running": "Run",
    "street_running": "Run",
    "road_running": "Run",
    "treadmill_running": "Run",
    "track_running": "Run",
    "indoor_running": "Run",
    "virtual_running": "Run",
    "trail_running": "TrailRun",
    "trailrun": "TrailRun",
    "walk": "Walk",
    "walking": "Walk",
    "hike": "Hike",
    "hiking": "Hike",
    "mountaineering": "Hike",
    "ride": "Ride",
    "biking": "Ride",
    "cycling": "Ride",
    "road_biking": "Ride",
    "swim": "Swim",
    "swimming": "Swim",
    "lap_swimming": "Swim",
    "open_water": "Swim",
    "open_water_swimming": "Swim",
    "other": "Workout",
    "generic": "Workout",
    "training": "Workout",
    "workout": "Workout",
    # Strava's old numeric GPX types
    "1": "Ride",
    "4": "Hike",
    "9": "Run",
    "10": "Walk",
    "16": "Swim",
}
# Tried in order when no exact name matches: "trail" before "run".
_CONTAINS = (
    ("trail", "TrailRun"),
    ("run", "Run"),
    ("walk", "Walk"),
    ("hik", "Hike"),
    ("cycl", "Ride"),
    ("bik", "Ride"),
    ("ride", "Ride"),
    ("swim", "Swim"),
)


def _normalize(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", label.strip().lower()).strip("_")


def sport_type(sport: str | None, sub_sport: str | None = None) -> str:
    """The Strava-style type for a file's sport (and FIT sub-sport); "Run" when absent.

    A label that names no known sport becomes "Workout", so that a swim tagged in some
    unforeseen way is not counted in running totals.
    """
    names = [_normalize(label) for label in (sport, sub_sport) if label]
    names = [name for name in names if name]
    if not names:
        return DEFAULT_SPORT
    base = _EXACT.get(names[0])
    if base == "Run" and len(names) > 1 and "trail" in names[1]:
        return "TrailRun"
    if base is not None:
        return base
    for fragment, kind in _CONTAINS:
        if fragment in names[0]:
            return kind
    return "Workout"
