"""The shape of a Strava webhook event, checked before anything is queued.

Anyone can POST to the callback, so a body that is not an event Strava could have sent is
refused with a 400 naming the field (never queued, never a 500 in a task later)::

    {"object_type": "activity" | "athlete", "object_id": int, "aspect_type":
     "create" | "update" | "delete", "owner_id": int, "subscription_id": int,
     "event_time": int, "updates": {str: str | number | bool}}
"""

from __future__ import annotations

from typing import Any

from runnerly_common.errors import APIError

OBJECT_TYPES = ("activity", "athlete")
ASPECT_TYPES = ("create", "update", "delete")
ID_FIELDS = ("object_id", "owner_id", "subscription_id")
BIGGEST_ID = 2**63 - 1  # Strava's ids are 64-bit


def invalid(field: str, message: str) -> APIError:
    return APIError(
        400,
        "invalid_event",
        f"{field}: {message}",
        errors=[{"field": field, "message": message}],
    )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _one_of(body: dict[str, Any], name: str, allowed: tuple[str, ...]) -> None:
    if not isinstance(body.get(name), str) or body[name] not in allowed:
        raise invalid(name, f"must be one of {', '.join(allowed)}")


def parse_event(body: Any) -> dict[str, Any]:
    """The event, with ``updates`` defaulted to ``{}``; raises a 400 :class:`APIError`."""
    if not isinstance(body, dict):
        raise invalid("body", "must be a JSON object (a Strava webhook event)")
    _one_of(body, "object_type", OBJECT_TYPES)
    for name in ID_FIELDS:
        if not _is_int(body.get(name)) or not 0 < body[name] <= BIGGEST_ID:
            raise invalid(name, "must be a positive integer")
    _one_of(body, "aspect_type", ASPECT_TYPES)
    if not _is_int(body.get("event_time")) or not 0 <= body["event_time"] <= BIGGEST_ID:
        raise invalid("event_time", "must be epoch seconds (an integer)")
    updates = body.get("updates", {})
    if updates is None:
        updates = {}
    if not isinstance(updates, dict) or not all(
        isinstance(v, str | int | float | bool) for v in updates.values()
    ):
        raise invalid("updates", "must be an object of field names to plain values")
    if body["object_type"] == "athlete" and body["object_id"] != body["owner_id"]:
        raise invalid("object_id", "an athlete event's object_id is its owner_id")
    return {**body, "updates": updates}
