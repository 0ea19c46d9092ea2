"""Races as the API shows them, with what a dashboard derives from them."""

from __future__ import annotations

from datetime import date
from typing import Any

from dataservice.races.models import Race


def goal_pace(race: Race) -> float | None:
    """Seconds per kilometre the goal time asks for (null without a goal time)."""
    if not race.goal_time:
        return None
    return round(race.goal_time * 1000 / race.distance, 1)


def race_to_dict(race: Race, today: date) -> dict[str, Any]:
    """``today`` (UTC) is the caller's, so that one answer counts days from one date."""
    return {
        "id": race.id,
        "runner_id": race.runner_id,
        "name": race.name,
        "date": race.date.isoformat(),
        "distance": race.distance,
        "location": race.location,
        "goal_time": race.goal_time,
        "goal_pace": goal_pace(race),
        "days_to_go": (race.date - today).days,
        "created_at": race.created_at.isoformat(),
        "updated_at": race.updated_at.isoformat(),
    }
