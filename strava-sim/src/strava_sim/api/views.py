"""``/api/v3/athlete``, ``/api/v3/athlete/activities``, ``/api/v3/activities/{id}`` and
its ``/streams``, and ``/api/v3/gear/{id}``."""

from __future__ import annotations

from typing import Any, overload

from flask import Blueprint, g, request
from sqlalchemy import func, select

from strava_sim.api import metering
from strava_sim.api.serialize import (
    activity_detail,
    activity_summary,
    athlete_summary,
    gear_detail,
    stream_set,
)
from strava_sim.errors import bad_request, not_found, unauthorized
from strava_sim.models import AccessToken, Activity, Athlete, Gear
from strava_sim.oauth.scopes import allows_activities
from strava_sim.seed.streams import generate
from strava_sim.service import sim

MAX_PER_PAGE = 200
DEFAULT_PER_PAGE = 30


def make_blueprint() -> Blueprint:
    bp = Blueprint("api", __name__, url_prefix="/api/v3")
    bp.before_request(metering.meter)
    bp.after_request(metering.add_rate_headers)

    @bp.get("/athlete")
    def athlete() -> dict[str, Any]:
        token: AccessToken = g.access_token
        row = sim().db.reader.get(Athlete, token.athlete_id)
        if row is None:  # pragma: no cover - tokens go with their athlete
            raise unauthorized()
        return athlete_summary(row)

    @bp.get("/athlete/activities")
    def list_activities() -> list[dict[str, Any]]:
        token = _activity_reader()
        before, after = _int_arg("before"), _int_arg("after")
        page = _int_arg("page", 1, minimum=1)
        per_page = _int_arg("per_page", DEFAULT_PER_PAGE, minimum=1)
        if per_page > MAX_PER_PAGE:
            raise bad_request("Application", "per_page")
        query = select(Activity).where(Activity.athlete_id == token.athlete_id)
        if before is not None:
            query = query.where(Activity.start_ts < before)
        if after is not None:
            query = query.where(Activity.start_ts > after)
        if "activity:read_all" not in token.scope.split(","):
            query = query.where(Activity.private.is_(False))
        if _newest_first(g.switches.list_order, before=before, after=after):
            query = query.order_by(Activity.start_ts.desc(), Activity.id.desc())
        else:
            query = query.order_by(Activity.start_ts.asc(), Activity.id.asc())
        rows = sim().db.reader.scalars(query.limit(per_page).offset((page - 1) * per_page))
        return [activity_summary(row) for row in rows]

    @bp.get("/activities/<int:activity_id>")
    def get_activity(activity_id: int) -> dict[str, Any]:
        token = _activity_reader()
        row = sim().db.reader.get(Activity, activity_id)
        if (
            row is None
            or row.athlete_id != token.athlete_id
            or not allows_activities(token.scope, row.private)
        ):
            raise not_found("Activity")
        return activity_detail(row)

    @bp.get("/activities/<int:activity_id>/streams")
    def get_activity_streams(activity_id: int) -> Any:
        """Strava's StreamSet: ``key_by_type=true`` keys it by type, otherwise a list of
        streams each with its ``type``; a stream the activity does not have is left out."""
        token = _activity_reader()
        keys = [k for k in request.args.get("keys", "").split(",") if k]
        if not keys:
            raise bad_request("Stream", "keys")
        row = sim().db.reader.get(Activity, activity_id)
        if (
            row is None
            or row.athlete_id != token.athlete_id
            or not allows_activities(token.scope, row.private)
        ):
            raise not_found("Activity")
        return stream_set(generate(row), keys, _true(request.args.get("key_by_type")))

    @bp.get("/gear/<gear_id>")
    def get_gear(gear_id: str) -> dict[str, Any]:
        """Strava's getGearById: the athlete's own shoes or bike; an id they do not have
        (another's, a deleted pair's) is Strava's 404 naming the Gear."""
        token: AccessToken = g.access_token
        reader = sim().db.reader
        row = reader.get(Gear, (token.athlete_id, gear_id))
        if row is None:
            raise not_found("Gear")
        distance = reader.scalar(
            select(func.coalesce(func.sum(Activity.distance), 0.0)).where(
                Activity.athlete_id == token.athlete_id, Activity.gear_id == gear_id
            )
        )
        return gear_detail(row, float(distance or 0.0))

    return bp


def _true(value: str | None) -> bool:
    return (value or "").lower() in ("true", "1")


def _activity_reader() -> AccessToken:
    token: AccessToken = g.access_token
    if not allows_activities(token.scope, private=False):
        raise unauthorized("AccessToken", "activity:read_permission", "missing")
    return token


def _newest_first(list_order: str, *, before: int | None, after: int | None) -> bool:
    """Strava is reported to answer oldest first when only ``after`` is given (so a client
    resuming "after my newest" reads forward in time) and newest first otherwise."""
    if list_order == "strava":
        return not (after is not None and before is None)
    return list_order == "newest"


@overload
def _int_arg(name: str, default: int, *, minimum: int = 0) -> int: ...
@overload
def _int_arg(name: str, default: None = None, *, minimum: int = 0) -> int | None: ...
def _int_arg(name: str, default: int | None = None, *, minimum: int = 0) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request("Application", name) from None
    if value < minimum:
        raise bad_request("Application", name)
    return value
