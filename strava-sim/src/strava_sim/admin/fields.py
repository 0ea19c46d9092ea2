"""Validation of activity bodies posted to the admin API: known fields, right types,
a 400 naming the field otherwise."""

from __future__ import annotations

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
SPORTS = {"Run", "TrailRun", "VirtualRun", "Ride", "VirtualRide", "Swim", "Walk", "Hike"}


def invalid(field: str, message: str) -> APIError:
    return APIError(400, "invalid_field", f"{field}: {message}", field=field)


def clean(body: Any) -> dict[str, Any]:
    """The editable fields of ``body`` as column values (``type`` means ``sport_type``)."""
    if not isinstance(body, dict):
        raise APIError(400, "invalid_body", "the body must be a JSON object")
    values: dict[str, Any] = {}
    for field, value in body.items():
        if field in READ_ONLY:
            continue
        if field not in EDITABLE:
            raise invalid(field, "unknown field")
        kinds = EDITABLE[field]
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise invalid(field, "wrong type")
        if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
            raise invalid(field, "must not be negative")
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


def _epoch(value: str | int) -> int:
    if isinstance(value, int):
        return value
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise invalid("start_date", "ISO 8601 or epoch seconds") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp())
