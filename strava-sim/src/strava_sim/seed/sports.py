"""The other sports an athlete logs between runs: rides, swims, walks, hikes; and heart
rate for any activity."""

from __future__ import annotations

import random
from typing import Any


def ride(rng: random.Random) -> dict[str, Any]:
    distance = min(max(rng.gauss(40000, 15000), 10000), 120000)
    speed = rng.uniform(7, 9)
    moving = round(distance / speed)
    return {
        "sport_type": "Ride",
        "workout_type": 10,
        "distance": round(distance, 1),
        "moving_time": moving,
        "elapsed_time": moving + rng.randint(0, 900),
        "total_elevation_gain": round(distance / 1000 * rng.uniform(3, 15), 1),
        "max_speed": round(speed * rng.uniform(1.4, 2.0), 3),
        "average_cadence": round(rng.uniform(70, 95), 1),
    }


def swim(rng: random.Random) -> dict[str, Any]:
    distance = float(rng.randrange(1000, 3600, 50))
    moving = round(distance / 100 * rng.uniform(105, 150))
    return {
        "sport_type": "Swim",
        "distance": distance,
        "moving_time": moving,
        "elapsed_time": moving + rng.randint(60, 600),
        "total_elevation_gain": 0.0,
        "max_speed": round(distance / moving * 1.3, 3),
        "average_cadence": None,
    }


def on_foot(rng: random.Random, sport: str, low: float, high: float, *rest: Any) -> dict[str, Any]:
    slow, fast, (gain_low, gain_high) = rest
    distance = rng.uniform(low, high) * 1000
    moving = round(distance / rng.uniform(slow, fast))
    return {
        "sport_type": sport,
        "distance": round(distance, 1),
        "moving_time": moving,
        "elapsed_time": moving + rng.randint(0, 1200),
        "total_elevation_gain": round(distance / 1000 * rng.uniform(gain_low, gain_high), 1),
        "max_speed": round(distance / moving * 1.5, 3),
        "average_cadence": None,
    }


def heart(rng: random.Random, row: dict[str, Any]) -> None:
    intensity = row.pop("intensity", 0)
    if rng.random() < 0.08:  # no strap that day
        row["average_heartrate"] = row["max_heartrate"] = None
        return
    base = {"Walk": 105, "Hike": 120, "Swim": 135, "Ride": 138}.get(row["sport_type"], 148)
    average = min(max(rng.gauss(base, 6) + intensity, 95), 185)
    row["average_heartrate"] = round(average, 1)
    row["max_heartrate"] = float(min(round(average + rng.uniform(10, 28)), 205))
