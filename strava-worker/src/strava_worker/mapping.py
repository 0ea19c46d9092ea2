"""From Strava's SummaryActivity to the dataservice's RunUpsert.

Only running sports become runs: Runnerly is for runners, and a ride's distance would
distort every running statistic.  Other sports are skipped (and, when an activity changes
to one, its run is deleted).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

RUNNING_SPORTS = frozenset({"Run", "TrailRun", "VirtualRun"})
SOURCE = "strava"


def sport_of(activity: dict[str, Any]) -> str:
    return str(activity.get("sport_type") or activity.get("type") or "")


def is_run(activity: dict[str, Any]) -> bool:
    return sport_of(activity) in RUNNING_SPORTS


def start_of(activity: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(activity["start_date"]).replace("Z", "+00:00"))


def to_run(activity: dict[str, Any]) -> dict[str, Any]:
    run: dict[str, Any] = {
        "source": SOURCE,
        "external_id": str(activity["id"]),
        "title": (activity.get("name") or "Run")[:255],
        "start_time": start_of(activity).astimezone(UTC).isoformat(),
        "distance": float(activity.get("distance") or 0),
        "moving_time": int(activity.get("moving_time") or 0),
        "elapsed_time": int(activity.get("elapsed_time") or 0),
        "sport_type": sport_of(activity),
    }
    optional = {
        "average_speed": "average_speed",
        "max_speed": "max_speed",
        "average_hr": "average_heartrate",
        "max_hr": "max_heartrate",
        "elevation_gain": "total_elevation_gain",
    }
    for ours, theirs in optional.items():
        if activity.get(theirs) is not None:
            run[ours] = activity[theirs]
    polyline = (activity.get("map") or {}).get("summary_polyline")
    if polyline:
        run["polyline"] = polyline
    # No description: the listing has none, so a webhook's detail fetch and a listing
    # must send the same fields or re-syncs would flip the run back and forth.
    return run


def deletion(activity_id: int | str) -> dict[str, str]:
    return {"source": SOURCE, "external_id": str(activity_id)}
