"""Pairs of shoes as the API shows them, with their distance and retirement alert."""

from __future__ import annotations

from typing import Any

from dataservice.gear.models import Gear
from dataservice.gear.service import Worn, alert, total


def gear_to_dict(gear: Gear, use: Worn) -> dict[str, Any]:
    distance = total(gear, use)
    remaining = (
        round(gear.retire_distance - distance, 1) if gear.retire_distance is not None else None
    )
    return {
        "id": gear.id,
        "runner_id": gear.runner_id,
        "name": gear.name,
        "brand": gear.brand,
        "model": gear.model,
        "strava_id": gear.strava_id,
        "retired": bool(gear.retired),
        "retire_distance": gear.retire_distance,
        "start_distance": gear.start_distance or 0.0,
        "is_default": bool(gear.is_default),
        "distance": distance,
        "runs": use.runs,
        "remaining": remaining,
        "alert": alert(gear, distance),
        "created_at": gear.created_at.isoformat(),
        "updated_at": gear.updated_at.isoformat(),
    }
