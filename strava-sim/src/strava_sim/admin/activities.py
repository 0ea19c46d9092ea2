"""Create, edit, delete and list an athlete's activities; each change fires its webhook
event after the commit, so a worker that fetches on the event sees the change."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, request
from sqlalchemy import func, select

from runnerly_common.errors import APIError
from strava_sim.admin.fields import clean
from strava_sim.api.serialize import activity_detail, iso
from strava_sim.models import Activity, Athlete
from strava_sim.seed.places import part_of_day
from strava_sim.service import Simulator, sim
from strava_sim.webhooks.events import activity_event

# Strava's update event names the fields it reports this way.
EVENT_NAMES = {"name": "title", "sport_type": "type", "private": "private"}


def _athlete(session: Any, athlete_id: int) -> Athlete:
    athlete = session.get(Athlete, athlete_id)
    if athlete is None:
        raise APIError(404, "not_found", f"no athlete {athlete_id}")
    return athlete


def _local(athlete: Athlete, start_ts: int) -> tuple[int, str]:
    local = datetime.fromtimestamp(start_ts, ZoneInfo(athlete.timezone))
    offset = int(local.utcoffset().total_seconds())  # type: ignore[union-attr]
    sign, (hours, minutes) = "+" if offset >= 0 else "-", divmod(abs(offset) // 60, 60)
    return offset, f"(GMT{sign}{hours:02d}:{minutes:02d}) {athlete.timezone}"


def new_activity(simulator: Simulator, session: Any, athlete: Athlete, values: dict) -> Activity:
    """An activity as if just uploaded: defaults for whatever the body leaves out."""
    start_ts = values.pop("start_ts", simulator.now() - 3600)
    offset, zone = _local(athlete, start_ts)
    sport = values.get("sport_type", "Run")
    distance = float(values.get("distance", 5000.0))
    moving = values.get("moving_time") or max(round(distance / 1000 * 330), 1)
    local_hour = datetime.fromtimestamp(start_ts + offset, UTC).hour
    highest = session.scalar(select(func.max(Activity.id))) or 1_000_000_000
    row = Activity(
        id=highest + 1,
        athlete_id=athlete.id,
        name=f"{part_of_day(local_hour)} {sport}",
        description=None,
        sport_type=sport,
        start_ts=start_ts,
        utc_offset=offset,
        timezone=zone,
        distance=distance,
        moving_time=moving,
        elapsed_time=moving,
        total_elevation_gain=0.0,
        max_speed=round(distance / moving * 1.3, 3),
        external_id=f"sim_upload_{highest + 1}",
        manual=False,
        trainer=False,
        commute=False,
        private=False,
        updated_at=simulator.utcnow(),
    )
    for field, value in values.items():
        setattr(row, field, value)
    session.add(row)
    return row


def register(bp: Blueprint) -> None:
    @bp.get("/athletes/<int:athlete_id>/activities")
    def list_all(athlete_id: int) -> dict[str, Any]:
        session = sim().db.reader
        _athlete(session, athlete_id)
        rows = session.execute(
            select(
                Activity.id,
                Activity.start_ts,
                Activity.updated_at,
                Activity.name,
                Activity.sport_type,
                Activity.private,
            )
            .where(Activity.athlete_id == athlete_id)
            .order_by(Activity.start_ts.desc(), Activity.id.desc())
        ).all()
        return {
            "athlete_id": athlete_id,
            "count": len(rows),
            "activities": [
                {
                    "id": r.id,
                    "start_date": iso(r.start_ts),
                    "updated_at": r.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "name": r.name,
                    "sport_type": r.sport_type,
                    "private": r.private,
                }
                for r in rows
            ],
        }

    @bp.post("/athletes/<int:athlete_id>/activities")
    def create(athlete_id: int) -> tuple[dict[str, Any], int]:
        simulator = sim()
        values = clean(request.get_json(silent=True))
        with simulator.db.transaction() as session:
            row = new_activity(simulator, session, _athlete(session, athlete_id), values)
            session.flush()
            body = activity_detail(row)
        _notify(simulator, "create", row.id, athlete_id)
        return body, 201

    @bp.put("/activities/<int:activity_id>")
    def edit(activity_id: int) -> dict[str, Any]:
        simulator = sim()
        values = clean(request.get_json(silent=True))
        with simulator.db.transaction() as session:
            row = _activity(session, activity_id)
            updates = {}
            for field, value in values.items():
                if getattr(row, field) != value and field in EVENT_NAMES:
                    updates[EVENT_NAMES[field]] = (
                        str(value).lower() if field == "private" else value
                    )
                setattr(row, field, value)
            if "start_ts" in values:
                row.utc_offset, row.timezone = _local(
                    _athlete(session, row.athlete_id), row.start_ts
                )
            row.updated_at = simulator.utcnow()
            body, owner = activity_detail(row), row.athlete_id
        _notify(simulator, "update", activity_id, owner, updates)
        return body

    @bp.delete("/activities/<int:activity_id>")
    def remove(activity_id: int) -> tuple[str, int]:
        simulator = sim()
        with simulator.db.transaction() as session:
            row = _activity(session, activity_id)
            owner = row.athlete_id
            session.delete(row)
        _notify(simulator, "delete", activity_id, owner)
        return "", 204


def _activity(session: Any, activity_id: int) -> Activity:
    row = session.get(Activity, activity_id)
    if row is None:
        raise APIError(404, "not_found", f"no activity {activity_id}")
    return row


def _notify(
    simulator: Simulator, aspect: str, activity_id: int, owner: int, updates: dict | None = None
) -> None:
    with simulator.db.transaction() as session:
        activity_event(
            simulator,
            session,
            aspect=aspect,
            activity_id=activity_id,
            owner_id=owner,
            updates=updates,
        )
