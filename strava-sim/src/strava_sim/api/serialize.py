"""Rows to Strava's JSON shapes: SummaryAthlete, SummaryActivity, DetailedActivity,
DetailedGear."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from strava_sim.models import Activity, Athlete, Gear

RUN_TYPES = {"TrailRun": "Run", "VirtualRun": "VirtualRun"}  # sport_type → legacy `type`


def legacy_type(sport_type: str) -> str:
    """The deprecated ``type`` Strava still sends (and reports in update events)."""
    return RUN_TYPES.get(sport_type, sport_type)


def iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def athlete_summary(athlete: Athlete) -> dict[str, Any]:
    created = athlete.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "id": athlete.id,
        "username": f"{athlete.firstname}{athlete.lastname}{athlete.id}".lower(),
        "resource_state": 2,
        "firstname": athlete.firstname,
        "lastname": athlete.lastname,
        "bio": None,
        "city": athlete.city,
        "state": None,
        "country": athlete.country,
        "sex": athlete.sex,
        "premium": False,
        "summit": False,
        "created_at": created,
        "updated_at": created,
        "badge_type_id": 0,
        "weight": athlete.weight,
        "profile_medium": "avatar/athlete/medium.png",
        "profile": "avatar/athlete/large.png",
    }


def _latlng(lat: float | None, lng: float | None) -> list[float | None]:
    return [lat, lng] if lat is not None else []


def activity_summary(row: Activity) -> dict[str, Any]:
    has_hr = row.average_heartrate is not None
    body: dict[str, Any] = {
        "resource_state": 2,
        "athlete": {"id": row.athlete_id, "resource_state": 1},
        "name": row.name,
        "distance": row.distance,
        "moving_time": row.moving_time,
        "elapsed_time": row.elapsed_time,
        "total_elevation_gain": row.total_elevation_gain,
        "type": legacy_type(row.sport_type),
        "sport_type": row.sport_type,
        "workout_type": row.workout_type,
        "id": row.id,
        "external_id": row.external_id,
        "upload_id": row.id + 1_000_000_000 if not row.manual else None,
        "start_date": iso(row.start_ts),
        "start_date_local": iso(row.start_ts + row.utc_offset),
        "timezone": row.timezone,
        "utc_offset": float(row.utc_offset),
        "start_latlng": _latlng(row.start_lat, row.start_lng),
        "end_latlng": _latlng(row.end_lat, row.end_lng),
        "achievement_count": 0,
        "kudos_count": row.id % 17,
        "comment_count": row.id % 3,
        "athlete_count": 1,
        "photo_count": 0,
        "map": {
            "id": f"a{row.id}",
            "summary_polyline": row.summary_polyline or "",
            "resource_state": 2,
        },
        "trainer": row.trainer,
        "commute": row.commute,
        "manual": row.manual,
        "private": row.private,
        "visibility": "only_me" if row.private else "everyone",
        "flagged": False,
        "gear_id": row.gear_id,
        "average_speed": round(row.distance / row.moving_time, 3) if row.moving_time else 0.0,
        "max_speed": row.max_speed,
        "has_heartrate": has_hr,
        "heartrate_opt_out": False,
        "display_hide_heartrate_option": has_hr,
        "elev_high": row.elev_high,
        "elev_low": row.elev_low,
        "pr_count": 0,
        "total_photo_count": 0,
        "has_kudoed": False,
    }
    if row.average_cadence is not None:
        body["average_cadence"] = row.average_cadence
    if has_hr:
        body["average_heartrate"] = row.average_heartrate
        body["max_heartrate"] = row.max_heartrate
    return body


def activity_detail(row: Activity) -> dict[str, Any]:
    """The summary plus what only GET /activities/{id} returns: description, splits."""
    body = activity_summary(row)
    body["resource_state"] = 3
    body["description"] = row.description
    body["calories"] = round(row.distance / 1000 * 65, 1)
    body["device_name"] = None if row.manual else "Garmin Forerunner 255"
    body["splits_metric"] = _splits(row)
    body["laps"] = []
    return body


def _splits(row: Activity) -> list[dict[str, Any]]:
    """Even kilometre splits at the average pace: enough for a client to show them."""
    if not row.distance or not row.moving_time or row.sport_type == "Swim":
        return []
    speed = row.distance / row.moving_time
    splits, done, index = [], 0.0, 1
    while done < row.distance - 0.5 and index <= 200:
        length = min(1000.0, row.distance - done)
        seconds = round(length / speed)
        splits.append(
            {
                "distance": round(length, 1),
                "elapsed_time": seconds,
                "moving_time": seconds,
                "average_speed": round(speed, 3),
                "split": index,
                "pace_zone": 0,
            }
        )
        done, index = done + length, index + 1
    return splits


def stream_set(
    streams: dict[str, list[Any]], keys: list[str], key_by_type: bool
) -> dict[str, Any] | list[dict[str, Any]]:
    """The asked ``keys`` the activity has, at full resolution, as Strava shapes them."""
    found = {
        key: {
            "data": streams[key],
            "series_type": "distance",
            "original_size": len(streams[key]),
            "resolution": "high",
        }
        for key in keys
        if key in streams
    }
    if key_by_type:
        return found
    return [{"type": key, **stream} for key, stream in found.items()]


def gear_detail(gear: Gear, distance: float) -> dict[str, Any]:
    """DetailedGear (``GET /gear/{id}``): Strava's published model, metres in ``distance``."""
    return {
        "id": gear.id,
        "resource_state": 3,
        "primary": gear.primary,
        "name": gear.name,
        "distance": round(distance, 1),
        "brand_name": gear.brand_name,
        "model_name": gear.model_name,
        "frame_type": gear.frame_type,
        "description": gear.description,
    }
