"""Athletes and their activities as plain rows, from a seed: same seed, same rows.

Each athlete has their own ``random.Random`` seeded by (seed, athlete id), so athlete 7's
history does not depend on how many athletes are generated. Work is O(activities).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from strava_sim.seed import polyline
from strava_sim.seed.places import (
    DESCRIPTIONS,
    FIRST_NAMES,
    LAST_NAMES,
    PLACES,
    RACES,
    WORKOUTS,
    Place,
    part_of_day,
)
from strava_sim.seed.sports import heart, on_foot, ride, swim

ID_BASE = 1_000_000_000
IDS_PER_ATHLETE = 10_000_000


def athlete_row(seed: int, athlete_id: int, anchor: date) -> dict[str, Any]:
    rng = random.Random(f"{seed}:athlete:{athlete_id}")  # noqa: S311 - fake data, not secrets
    place = PLACES[0] if athlete_id == 1 else rng.choice(PLACES)
    first, last = ("Demo", "Runner") if athlete_id == 1 else _name(rng)
    joined = anchor - timedelta(days=rng.randint(1200, 3000))
    return {
        "id": athlete_id,
        "firstname": first,
        "lastname": last,
        "city": place.city,
        "country": place.country,
        "sex": rng.choice("MF"),
        "weight": round(rng.uniform(50, 85), 1),
        "timezone": place.zone,
        "created_at": datetime.combine(joined, time(12), tzinfo=UTC),
    }


def _name(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)


def activity_rows(
    seed: int, athlete_id: int, *, years: int, per_year: int, anchor: date
) -> Iterator[dict[str, Any]]:
    """``years * per_year`` activities before ``anchor`` (UTC midnight), oldest first."""
    rng = random.Random(f"{seed}:activities:{athlete_id}")  # noqa: S311 - fake data
    place = next(p for p in PLACES if p.zone == athlete_row(seed, athlete_id, anchor)["timezone"])
    zone = ZoneInfo(place.zone)
    days = years * 365
    count = min(years * per_year, days * 2)
    base_pace = rng.uniform(265, 340)  # s/km on an easy day
    slots = sorted(rng.sample(range(days * 2), count))
    first_day = anchor - timedelta(days=days)
    for index, slot in enumerate(slots, start=1):
        day = first_day + timedelta(days=slot // 2)
        morning = slot % 2 == 0
        hour = rng.randint(6, 9) if morning else rng.randint(17, 20)
        local = datetime.combine(day, time(hour, rng.randrange(60), rng.randrange(60)), zone)
        progress = slot / (days * 2)  # fitness improves a little over the years
        row = _activity(rng, place, local, base_pace - 15 * progress, morning)
        row["id"] = ID_BASE + athlete_id * IDS_PER_ATHLETE + index
        row["athlete_id"] = athlete_id
        row["external_id"] = f"garmin_push_{row['id'] % 10**9}"
        row.setdefault("workout_type", None)
        yield row


def _activity(
    rng: random.Random, place: Place, local: datetime, pace: float, morning: bool
) -> dict[str, Any]:
    offset = int(local.utcoffset().total_seconds())  # type: ignore[union-attr]
    start = int(local.timestamp())
    roll = rng.random()
    if roll < 0.04:
        row = ride(rng)
    elif roll < 0.06:
        row = swim(rng)
    elif roll < 0.085:
        row = on_foot(rng, "Walk", 2, 8, 1.3, 1.6, (1, 10))
    elif roll < 0.10:
        row = on_foot(rng, "Hike", 6, 20, 1.0, 1.3, (40, 80))
    else:
        row = _run(rng, pace, morning and local.weekday() >= 5, local)
    if not row.get("name"):
        row["name"] = f"{part_of_day(local.hour)} {_title(row['sport_type'])}"
    sign = "+" if offset >= 0 else "-"
    hours, minutes = divmod(abs(offset) // 60, 60)
    elev_low = place.altitude + rng.uniform(-10, 10)
    outdoor = not row.get("trainer") and row["sport_type"] != "Swim"
    lat, lng = place.lat + rng.uniform(-0.02, 0.02), place.lng + rng.uniform(-0.02, 0.02)
    row.update(
        start_ts=start,
        utc_offset=offset,
        timezone=f"(GMT{sign}{hours:02d}:{minutes:02d}) {place.zone}",
        elev_low=round(elev_low, 1) if outdoor else None,
        elev_high=round(elev_low + row["total_elevation_gain"] * rng.uniform(0.3, 0.6), 1)
        if outdoor
        else None,
        start_lat=round(lat, 6) if outdoor else None,
        start_lng=round(lng, 6) if outdoor else None,
        end_lat=round(lat, 6) if outdoor else None,
        end_lng=round(lng, 6) if outdoor else None,
        summary_polyline=polyline.loop(lat, lng, row["distance"])
        if outdoor and rng.random() < 0.9
        else None,
        description=rng.choice(DESCRIPTIONS) if rng.random() < 0.25 else None,
        private=rng.random() < 0.04,
        commute=row["sport_type"] in ("Ride", "Walk") and rng.random() < 0.2,
        trainer=bool(row.get("trainer")),
        manual=False,
        gear_id=SHOE_ID if row["sport_type"] in ("Run", "TrailRun", "VirtualRun") else None,
        updated_at=datetime.fromtimestamp(start + row["elapsed_time"] + 900, UTC),
    )
    heart(rng, row)
    return row


# Every athlete's running shoes: the activities' ``gear_id`` above.
SHOE_ID = "g1001"


def gear_rows(athlete_id: int) -> list[dict[str, Any]]:
    """The gear the generated activities use: one pair of shoes, the athlete's primary."""
    return [
        {
            "athlete_id": athlete_id,
            "id": SHOE_ID,
            "name": "Nike Pegasus 40",
            "brand_name": "Nike",
            "model_name": "Pegasus 40",
            "description": None,
            "primary": True,
            "frame_type": None,
        }
    ]


def _title(sport: str) -> str:
    return {"TrailRun": "Trail Run", "VirtualRun": "Run"}.get(sport, sport)


def _run(rng: random.Random, pace: float, weekend_morning: bool, local: datetime) -> dict[str, Any]:
    sport = "TrailRun" if rng.random() < 0.12 else "VirtualRun" if rng.random() < 0.03 else "Run"
    name, workout = None, 0
    if sport == "Run" and weekend_morning and rng.random() < 0.06:
        distance = rng.choice(list(RACES))
        name, workout, pace = RACES[distance], 1, pace - 25
    elif weekend_morning:
        distance = min(max(rng.gauss(18000, 5000), 8000), 35000)
        workout, pace = 2, pace + 20
        name = "Long Run" if rng.random() < 0.3 else None
    else:
        distance = min(max(rng.gauss(9000, 3000), 3000), 20000)
        if sport == "Run" and rng.random() < 0.12:
            name, workout, pace = rng.choice(WORKOUTS), 3, pace - 15
    pace += (45 if sport == "TrailRun" else 0) + rng.gauss(0, 10)
    pace = min(max(pace, 240), 390)
    moving = round(distance / 1000 * pace)
    per_km = rng.uniform(25, 60) if sport == "TrailRun" else 0 if sport == "VirtualRun" else 2
    gain = distance / 1000 * (per_km if per_km != 2 else rng.uniform(2, 12))
    return {
        "name": name,
        "sport_type": sport,
        "workout_type": workout,
        "distance": round(distance, 1),
        "moving_time": moving,
        "elapsed_time": moving + (rng.randint(0, 30) if workout == 1 else rng.randint(0, 300)),
        "total_elevation_gain": round(gain, 1),
        "max_speed": round(1000 / pace * rng.uniform(1.15, 1.5), 3),
        "average_cadence": round(rng.uniform(80, 92), 1),
        "trainer": sport == "VirtualRun",
        "intensity": {1: 12, 2: -3, 3: 6}.get(workout, 0),
    }
