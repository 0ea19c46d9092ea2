"""Create, edit, delete and list an athlete's activities; each change fires its webhook
event after the commit, so a worker that fetches on the event sees the change.

As at Strava, an edit sends an event only when the title, the (legacy) type or the
privacy changes; ``?notify=false`` makes any change silent, as a lost event would be."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, request
from sqlalchemy import func, select

from runnerly_common.errors import APIError
from strava_sim.admin.fields import clean, invalid
from strava_sim.api.serialize import activity_detail, iso, legacy_type
from strava_sim.models import Activity, Athlete
from strava_sim.seed import polyline
from strava_sim.seed.places import PLACES, part_of_day
from strava_sim.service import Simulator, sim
from strava_sim.webhooks.events import activity_event

# Recorded without GPS: no map, no start or end point.
NO_TRACK_SPORTS = {"Swim", "VirtualRun", "VirtualRide"}


def _athlete(session: Any, athlete_id: int) -> Athlete:
    athlete: Athlete | None = session.get(Athlete, athlete_id)
    if athlete is None:
        raise APIError(404, "not_found", f"no athlete {athlete_id}")
    return athlete


def _local(athlete: Athlete, start_ts: int) -> tuple[int, str]:
    local = datetime.fromtimestamp(start_ts, ZoneInfo(athlete.timezone))
    offset = int(local.utcoffset().total_seconds())  # type: ignore[union-attr]
    sign, (hours, minutes) = "+" if offset >= 0 else "-", divmod(abs(offset) // 60, 60)
    return offset, f"(GMT{sign}{hours:02d}:{minutes:02d}) {athlete.timezone}"


def new_activity(
    simulator: Simulator, session: Any, athlete: Athlete, values: dict[str, Any]
) -> Activity:
    """An activity as if just uploaded: defaults for whatever the body leaves out.  A past
    ``start_date`` makes a late upload; like every upload it still gets the highest id."""
    start_ts = values.pop("start_ts", simulator.now() - 3600)
    offset, zone = _local(athlete, start_ts)
    sport = values.get("sport_type", "Run")
    distance = float(values.get("distance", 5000.0))
    moving = values.get("moving_time", max(round(distance / 1000 * 330), 1))
    local_hour = datetime.fromtimestamp(start_ts + offset, UTC).hour
    highest = session.scalar(select(func.max(Activity.id))) or 1_000_000_000
    manual = values.get("manual", False)
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
        max_speed=round(distance / moving * 1.3, 3) if moving else 0.0,
        external_id=None if manual else f"sim_upload_{highest + 1}",
        manual=False,
        trainer=False,
        commute=False,
        private=False,
        updated_at=simulator.utcnow(),
    )
    for field, value in values.items():
        setattr(row, field, value)
    _add_track(row, athlete)
    session.add(row)
    return row


def _add_track(row: Activity, athlete: Athlete) -> None:
    """A GPS upload gets a loop from the athlete's home town; a manual entry, a treadmill
    (trainer) or virtual session and a swim have no map, as at Strava."""
    home = next((p for p in PLACES if p.zone == athlete.timezone), None)
    if home is None or row.manual or row.trainer or row.sport_type in NO_TRACK_SPORTS:
        return
    row.start_lat = row.end_lat = home.lat
    row.start_lng = row.end_lng = home.lng
    row.summary_polyline = polyline.loop(home.lat, home.lng, row.distance)


def event_updates(row: Activity, values: dict[str, Any]) -> dict[str, str]:
    """Strava's ``updates`` for an edit of ``row`` to ``values``: only a new title, a new
    legacy ``type`` (Run→TrailRun is still "Run": no event) or a new privacy."""
    updates = {}
    if "name" in values and values["name"] != row.name:
        updates["title"] = values["name"]
    new_type = legacy_type(values.get("sport_type", row.sport_type))
    if new_type != legacy_type(row.sport_type):
        updates["type"] = new_type
    if "private" in values and values["private"] != row.private:
        updates["private"] = str(values["private"]).lower()
    return updates


def _notify_flag() -> bool:
    """``?notify=false``: make the change without its event (a lost event)."""
    raw = request.args.get("notify", "true")
    if raw not in ("true", "false"):
        raise invalid("notify", "true or false")
    return raw == "true"


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
        simulator, notify = sim(), _notify_flag()
        values = clean(request.get_json(silent=True), creating=True)
        with simulator.db.transaction() as session:
            row = new_activity(simulator, session, _athlete(session, athlete_id), values)
            session.flush()
            body = activity_detail(row)
        if notify:
            _notify(simulator, "create", body["id"], athlete_id)
        return body, 201

    @bp.put("/activities/<int:activity_id>")
    def edit(activity_id: int) -> dict[str, Any]:
        simulator, notify = sim(), _notify_flag()
        values = clean(request.get_json(silent=True))
        with simulator.db.transaction() as session:
            row = _activity(session, activity_id)
            updates = event_updates(row, values)
            for field, value in values.items():
                setattr(row, field, value)
            if "start_ts" in values:
                row.utc_offset, row.timezone = _local(
                    _athlete(session, row.athlete_id), row.start_ts
                )
            row.updated_at = simulator.utcnow()
            body, owner = activity_detail(row), row.athlete_id
        if notify and updates:  # Strava is silent about every other change
            _notify(simulator, "update", activity_id, owner, updates)
        return body

    @bp.delete("/activities/<int:activity_id>")
    def remove(activity_id: int) -> tuple[str, int]:
        simulator, notify = sim(), _notify_flag()
        with simulator.db.transaction() as session:
            row = _activity(session, activity_id)
            owner = row.athlete_id
            session.delete(row)
        if notify:
            _notify(simulator, "delete", activity_id, owner)
        return "", 204


def _activity(session: Any, activity_id: int) -> Activity:
    row: Activity | None = session.get(Activity, activity_id)
    if row is None:
        raise APIError(404, "not_found", f"no activity {activity_id}")
    return row


def _notify(
    simulator: Simulator,
    aspect: str,
    activity_id: int,
    owner: int,
    updates: dict[str, Any] | None = None,
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
