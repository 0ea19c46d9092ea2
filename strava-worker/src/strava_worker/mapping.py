"""From Strava's SummaryActivity to the dataservice's RunUpsert, one activity at a time.

Only running sports become runs: Runnerly is for runners, and a ride's distance would
distort every running statistic.  An activity listed as another sport is sent as a
deletion (it may have been a run before: Run→Ride sends an event Runnerly may never get).

Strava's values can be absurd (an elapsed time of 1,168 hours: a watch left running, a
start dated 9999) and the dataservice refuses a batch with one value outside its bounds
(:mod:`runnerly_common.run_bounds`, :mod:`runnerly_common.dates`).  So each activity is
checked on its own (:func:`sort_page`):

- an optional value outside the bounds (a heart rate of 400, a speed of 900 m/s, an
  over-long polyline) is left out: the run is right without it;
- a date, distance or time outside them, or a value that is not a number, sets the
  activity aside with its reason: the dataservice keeps the reason, the runner and the
  operator see it, and a correction on Strava brings the run in at the next re-read.

Nothing in one activity can stop the others of its page.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from runnerly_common import dates, run_bounds
from strava_worker import zones

log = logging.getLogger(__name__)

RUNNING_SPORTS = frozenset({"Run", "TrailRun", "VirtualRun"})
SOURCE = "strava"
OPTIONAL = {  # ours: Strava's
    "average_speed": "average_speed",
    "max_speed": "max_speed",
    "average_hr": "average_heartrate",
    "max_hr": "max_heartrate",
    "elevation_gain": "total_elevation_gain",
}


class SetAside(ValueError):
    """The activity cannot be stored as it is: ``str(exc)`` says why, for the runner."""


@dataclass
class Page:
    """What one listing (or one fetched activity) becomes in the dataservice."""

    runs: list[dict[str, Any]] = field(default_factory=list)
    deleted: list[dict[str, str]] = field(default_factory=list)
    set_aside: list[dict[str, Any]] = field(default_factory=list)
    ids: set[int] = field(default_factory=set)  # every activity id the listing showed


def sport_of(activity: dict[str, Any]) -> str:
    return str(activity.get("sport_type") or activity.get("type") or "")


def is_running_sport(activity: dict[str, Any]) -> bool:
    return sport_of(activity) in RUNNING_SPORTS


def start_of(activity: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(activity["start_date"]).replace("Z", "+00:00"))


def activity_id(activity: dict[str, Any]) -> int | None:
    """The activity's id, or None when Strava sent none we can use."""
    value = activity.get("id")
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    try:
        number = int(value)
    except ValueError:
        return None
    return number if 0 < number < 2**63 else None


def sort_page(activities: Iterable[dict[str, Any]]) -> Page:
    """Runs to store, ids to delete (other sports) and activities set aside, each on its own."""
    page = Page()
    for activity in activities:
        number = activity_id(activity) if isinstance(activity, dict) else None
        if number is None:
            log.warning("Strava activity without a usable id skipped: %.80r", activity)
            continue
        page.ids.add(number)
        if not is_running_sport(activity):
            page.deleted.append(deletion(number))
            continue
        try:
            page.runs.append(to_run(activity))
        except SetAside as exc:
            log.warning("Strava activity %s set aside: %s", number, exc)
            page.set_aside.append(set_aside(activity, number, str(exc)))
    return page


# Strava's gear ids are "g" or "b" and digits; the dataservice takes up to 30 characters.
GEAR_ID_MAX = 30


def to_run(activity: dict[str, Any]) -> dict[str, Any]:
    """The run, or :class:`SetAside` saying why it cannot be stored."""
    number = activity_id(activity)
    if number is None:
        raise SetAside(f"id {str(activity.get('id'))[:40]!r} is not an activity id")
    start = _start(activity)
    run: dict[str, Any] = {
        "source": SOURCE,
        "external_id": str(number),
        "title": _title(activity),
        "start_time": start.astimezone(UTC).isoformat(),
        "sport_type": sport_of(activity),
        # Where it was run, for the runner's days and months; what is unreadable is left
        # out and the dataservice takes the runner's zone instead.
        **zones.place(activity, start.astimezone(UTC)),
    }
    for name, kind in (("distance", float), ("moving_time", int), ("elapsed_time", int)):
        value = activity.get(name)
        value = 0 if value is None else value  # a manual entry may leave a time out
        problem = run_bounds.problem(name, value)
        if problem:
            raise SetAside(problem)
        run[name] = kind(value)
    if run["elapsed_time"] < run["moving_time"]:
        # A manual entry with only a moving time, or a device's rounding: a run takes at
        # least as long as it moves (the dataservice refuses less).
        run["elapsed_time"] = run["moving_time"]
    for ours, theirs in OPTIONAL.items():
        value = activity.get(theirs)
        if value is None:
            continue
        problem = run_bounds.problem(ours, value)
        if problem:  # the run is right without it; a wrong value would not be
            log.info("Strava activity %s: %s, left out", activity.get("id"), problem)
            continue
        run[ours] = value
    polyline = (activity.get("map") or {}).get("summary_polyline")
    if isinstance(polyline, str) and 0 < len(polyline) <= run_bounds.POLYLINE_MAX:
        run["polyline"] = polyline
    gear = activity.get("gear_id")  # the dataservice maps a shoe's to the runner's pair
    if isinstance(gear, str) and 0 < len(gear) <= GEAR_ID_MAX:
        run["strava_gear_id"] = gear
    # No description: the listing has none, so a webhook's detail fetch and a listing
    # must send the same fields or re-syncs would flip the run back and forth.
    return run


def _start(activity: dict[str, Any]) -> datetime:
    try:
        start = start_of(activity)
    except (KeyError, ValueError, TypeError, OverflowError):
        text = str(activity.get("start_date"))[:40]
        raise SetAside(f"Its start date ({text!r}) is not a date") from None
    problem = dates.datetime_problem(start)
    if problem:
        raise SetAside(f"Its start date ({start.isoformat()}) {problem}")
    return start


def _title(activity: dict[str, Any]) -> str:
    return clean_title(activity.get("name"))


def clean_title(name: Any) -> str:
    """The name, without what no database keeps (NUL, a lone UTF-16 surrogate: a device's
    garbage the dataservice would refuse the whole batch for)."""
    text = name if isinstance(name, str) else ""
    text = "".join(c for c in text if c != "\x00" and not "\ud800" <= c <= "\udfff")
    return text.strip()[: run_bounds.TITLE_MAX] or "Run"


def set_aside(activity: dict[str, Any], number: int, reason: str) -> dict[str, Any]:
    """The dataservice's record of an activity not imported, with what the runner can read."""
    record: dict[str, Any] = {
        "source": SOURCE,
        "external_id": str(number),
        "reason": reason[: run_bounds.REASON_MAX],
        "title": _title(activity),
        "start_time": None,
    }
    try:
        start = start_of(activity)
        if dates.datetime_problem(start) is None:
            record["start_time"] = start.astimezone(UTC).isoformat()
    except (KeyError, ValueError, TypeError, OverflowError):
        pass
    return record


def cursor_starts(activities: Iterable[dict[str, Any]]) -> list[datetime]:
    """The starts a sync cursor may move to: within Runnerly's dates (one dated 9999 would
    stop every later sync) and readable."""
    starts = []
    for activity in activities:
        try:
            start = start_of(activity)
        except (KeyError, ValueError, TypeError, OverflowError, AttributeError):
            continue
        if dates.datetime_problem(start) is None:
            starts.append(start.astimezone(UTC))
    return starts


def deletion(number: int | str) -> dict[str, str]:
    return {"source": SOURCE, "external_id": str(number)}
