"""Validation of activity bodies posted to the admin API: known fields, right types,
a 400 naming the field otherwise."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from runnerly_common.errors import APIError

NUMBER = (int, float)
EDITABLE: dict[str, tuple[type, ...]] = {
    "name": (str,),
    "description": (str, type(None)),
    "sport_type": (str,),
    "type": (str,),
    "distance": NUMBER,
    "moving_time": (int,),
    "elapsed_time": (int,),
    "total_elevation_gain": NUMBER,
    "average_heartrate": (*NUMBER, type(None)),
    "max_heartrate": (*NUMBER, type(None)),
    "private": (bool,),
    "commute": (bool,),
    "trainer": (bool,),
    "gear_id": (str, type(None)),
    "workout_type": (int, type(None)),
    "start_date": (str, int),
}
# SummaryActivity fields a client may echo back; they are computed, so ignored.
READ_ONLY = {"id", "athlete", "resource_state", "start_date_local", "timezone", "utc_offset",
             "average_speed", "max_speed", "map", "has_heartrate", "elev_high", "elev_low",
             "start_latlng", "end_latlng", "external_id", "upload_id", "manual"}  # fmt: skip
# Set once, when the activity is created: Strava has no way to turn an upload into a manual
# entry or back.
CREATE_ONLY: dict[str, tuple[type, ...]] = {"manual": (bool,)}
# Real Strava data holds absurd but valid values (an elapsed time of 1,168 h from a watch
# left running, zero distances): only what the columns cannot hold is refused.
MAX_INTEGER = 2**31 - 1
LAST_EPOCH = 253_402_300_799  # 9999-12-31T23:59:59Z, the last time an ISO date can show
SPORTS = {"Run", "TrailRun", "VirtualRun", "Ride", "VirtualRide", "Swim", "Walk", "Hike"}


def invalid(field: str, message: str) -> APIError:
    return APIError(400, "invalid_field", f"{field}: {message}", field=field)


def clean(body: Any, *, creating: bool = False) -> dict[str, Any]:
    """The editable fields of ``body`` as column values (``type`` means ``sport_type``);
    ``creating`` also accepts the fields only a new activity can set (``manual``)."""
    if not isinstance(body, dict):
        raise APIError(400, "invalid_body", "the body must be a JSON object")
    accepted = {**EDITABLE, **CREATE_ONLY} if creating else EDITABLE
    values: dict[str, Any] = {}
    for field, value in body.items():
        if field in READ_ONLY and field not in accepted:
            continue
        if field not in accepted:
            raise invalid(field, "unknown field")
        kinds = accepted[field]
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise invalid(field, "wrong type")
        if isinstance(value, int | float) and not isinstance(value, bool):
            _check_number(field, value)
        values[field] = value
    if "type" in values:
        values.setdefault("sport_type", values.pop("type"))
        values.pop("type", None)
    if "sport_type" in values and values["sport_type"] not in SPORTS:
        raise invalid("sport_type", f"one of {', '.join(sorted(SPORTS))}")
    if "name" in values and not values["name"].strip():
        raise invalid("name", "must not be empty")
    if "start_date" in values:
        values["start_ts"] = _epoch(values.pop("start_date"))
    return values


def _check_number(field: str, value: float) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise invalid(field, "must be a finite number")
    if value < 0:
        raise invalid(field, "must not be negative")
    if isinstance(value, int) and value > MAX_INTEGER and field != "start_date":
        raise invalid(field, f"must be at most {MAX_INTEGER}")


def _epoch(value: str | int) -> int:
    if isinstance(value, int):
        if value > LAST_EPOCH:
            raise invalid("start_date", "must be before the year 10000")
        return value
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise invalid("start_date", "ISO 8601 or epoch seconds") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    epoch = int(parsed.timestamp())
    if epoch < 0:
        raise invalid("start_date", "must not be before 1970")
    return epoch
