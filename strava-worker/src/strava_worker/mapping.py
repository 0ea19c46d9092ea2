"""From Strava's SummaryActivity to the dataservice's RunUpsert.

Only running sports become runs: Runnerly is for runners, and a ride's distance would
distort every running statistic.  Other sports are skipped (and, when an activity changes
to one, its run is deleted).  So is an activity dated outside the dates Runnerly stores
(runnerly_common.dates): the dataservice would refuse the whole batch for it, and a run
dated 9999 would break its runner's yearly totals; it is logged and left out.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from runnerly_common import dates

log = logging.getLogger(__name__)

RUNNING_SPORTS = frozenset({"Run", "TrailRun", "VirtualRun"})
SOURCE = "strava"


def sport_of(activity: dict[str, Any]) -> str:
    return str(activity.get("sport_type") or activity.get("type") or "")


def is_run(activity: dict[str, Any]) -> bool:
    """Whether the activity becomes a run: a running sport, dated within Runnerly's dates."""
    return sport_of(activity) in RUNNING_SPORTS and _dated_in_range(activity)


def start_of(activity: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(activity["start_date"]).replace("Z", "+00:00"))


def cursor_starts(activities: Iterable[dict[str, Any]]) -> list[datetime]:
    """The starts a sync cursor may move to: one dated 9999 would stop every later sync."""
    return [start_of(a) for a in activities if _dated_in_range(a, quiet=True)]


def oldest_start(activities: Iterable[dict[str, Any]]) -> datetime:
    """Where a backfill goes on below a page: its oldest start, brought within Runnerly's
    dates, since the dataservice stores the cursor and refuses a date outside them (below
    1970 nothing more is stored anyway; above 2100 the next page still comes)."""
    oldest = min(start_of(a).astimezone(UTC) for a in activities)
    return min(max(oldest, dates.MIN_DATETIME), dates.END_DATETIME - timedelta(seconds=1))


def _dated_in_range(activity: dict[str, Any], quiet: bool = False) -> bool:
    try:
        problem = dates.datetime_problem(start_of(activity))
    except (KeyError, ValueError, TypeError, OverflowError):
        problem = "is not a date-time"
    if problem and not quiet:
        log.warning(
            "Strava activity %s skipped: its start_date %s",
            str(activity.get("id"))[:40],
            f"{str(activity.get('start_date'))[:40]!r} {problem}",
        )
    return problem is None


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
