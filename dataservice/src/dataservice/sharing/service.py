"""Share links (made, listed, revoked, resolved by token) and privacy zones."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, time, timedelta
from typing import Any, cast

import polyline
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from dataservice import pace
from dataservice.errors import conflict, invalid, not_found
from dataservice.races import service as races
from dataservice.races.models import Race
from dataservice.runs import counted, merges, splits, streams
from dataservice.runs import service as runs
from dataservice.runs.models import Run
from dataservice.sharing import zones
from dataservice.sharing.models import PrivacyZone, ShareLink
from runnerly_common.db import utcnow

TOKEN_BYTES = 32  # 256 bits: no answer brings a guess closer
MAX_LINKS = 100  # a runner's live links; more is a script, not a runner
MAX_ZONES = 20
RACE_DISTANCE_TOLERANCE = 0.1  # a run within 10% of the race's distance on its day is its result


def token_hash(token: str) -> str:
    """SHA-256 of the token: enough for 256 random bits (nothing to brute-force, so no key
    to keep), and a database read reveals no live link."""
    return hashlib.sha256(token.encode()).hexdigest()


# Links -------------------------------------------------------------------------------------


def create_link(session: Session, runner_id: int, data: dict[str, Any]) -> tuple[ShareLink, str]:
    """A new link and its token (the only time the token is known)."""
    run_id, race_id = data.get("run_id"), data.get("race_id")
    if (run_id is None) == (race_id is None):
        raise invalid("body", "give exactly one of run_id and race_id", 422)
    if run_id is not None:
        runs.get_run(session, runner_id, run_id)  # another runner's run is 404
    elif race_id is not None:
        races.get_race(session, runner_id, race_id)
    live = session.scalar(
        select(func.count()).select_from(ShareLink).where(ShareLink.runner_id == runner_id)
    )
    if (live or 0) >= MAX_LINKS:
        raise conflict("body", f"at most {MAX_LINKS} share links; revoke one first")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    days = data.get("expires_in_days")
    link = ShareLink(
        runner_id=runner_id,
        token_hash=token_hash(token),
        run_id=run_id,
        race_id=race_id,
        show_hr=bool(data.get("show_hr", False)) and run_id is not None,
        created_at=utcnow(),
        expires_at=utcnow() + timedelta(days=days) if days else None,
    )
    session.add(link)
    session.flush()
    return link, token


def list_links(
    session: Session, runner_id: int, run_id: int | None = None, race_id: int | None = None
) -> list[ShareLink]:
    query = select(ShareLink).where(ShareLink.runner_id == runner_id)
    if run_id is not None:
        query = query.where(ShareLink.run_id == run_id)
    if race_id is not None:
        query = query.where(ShareLink.race_id == race_id)
    return list(session.scalars(query.order_by(ShareLink.id)))


def revoke_link(session: Session, runner_id: int, link_id: int) -> None:
    link = session.get(ShareLink, link_id)
    if link is None or link.runner_id != runner_id:
        raise not_found(f"share link {link_id}")
    session.delete(link)
    session.flush()


def link_to_dict(link: ShareLink, token: str | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "id": link.id,
        "run_id": link.run_id,
        "race_id": link.race_id,
        "show_hr": bool(link.show_hr),
        "created_at": link.created_at.isoformat(),
        "expires_at": link.expires_at.isoformat() if link.expires_at else None,
    }
    if token is not None:
        answer["token"] = token
    return answer


# Zones -------------------------------------------------------------------------------------


def list_zones(session: Session, runner_id: int) -> list[PrivacyZone]:
    query = select(PrivacyZone).where(PrivacyZone.runner_id == runner_id)
    return list(session.scalars(query.order_by(PrivacyZone.id)))


def create_zone(session: Session, runner_id: int, data: dict[str, Any]) -> PrivacyZone:
    label = data["label"].strip()
    if not label:
        raise invalid("body.label", "a zone needs a name", 422)
    if len(list_zones(session, runner_id)) >= MAX_ZONES:
        raise conflict("body", f"at most {MAX_ZONES} privacy zones; delete one first")
    zone = PrivacyZone(
        runner_id=runner_id,
        label=label,
        lat=float(data["lat"]),
        lon=float(data["lon"]),
        radius=int(data["radius"]),
        created_at=utcnow(),
    )
    session.add(zone)
    session.flush()
    return zone


def delete_zone(session: Session, runner_id: int, zone_id: int) -> None:
    found = session.execute(
        delete(PrivacyZone).where(PrivacyZone.id == zone_id, PrivacyZone.runner_id == runner_id)
    )
    if not getattr(found, "rowcount", 0):
        raise not_found(f"privacy zone {zone_id}")
    session.flush()


def zone_to_dict(zone: PrivacyZone) -> dict[str, Any]:
    return {
        "id": zone.id,
        "label": zone.label,
        "lat": zone.lat,
        "lon": zone.lon,
        "radius": zone.radius,
        "created_at": zone.created_at.isoformat(),
    }


# What a link shows -------------------------------------------------------------------------


def resolve(session: Session, token: str) -> dict[str, Any] | None:
    """What the link shows, or None for a token that is unknown, revoked or expired (the
    caller answers all three alike)."""
    link = session.scalar(select(ShareLink).where(ShareLink.token_hash == token_hash(token)))
    if link is None or (link.expires_at is not None and link.expires_at <= utcnow()):
        return None
    if link.run_id is not None:
        run = session.get(Run, link.run_id)
        return None if run is None else shared_run(session, run, link.show_hr)
    race = session.get(Race, link.race_id)
    return None if race is None else shared_race(session, race)


def shared_run(session: Session, run: Run, show_hr: bool) -> dict[str, Any]:
    """Only what a runner shares: never their email, name, id, or the run's ids."""
    answer: dict[str, Any] = {
        "kind": "run",
        "title": run.title,
        "date": run.start_local.date().isoformat(),
        "sport_type": run.sport_type,
        "distance": run.distance,
        "moving_time": run.moving_time,
        "elapsed_time": run.elapsed_time,
        "pace": pace.per_km(run.moving_time, run.distance),
        "elevation_gain": run.elevation_gain,
        "route": shared_route(session, run),
        "splits": _splits(session, run),
    }
    if show_hr:
        answer["average_hr"] = run.average_hr
        answer["max_hr"] = run.max_hr
    return answer


def shared_route(session: Session, run: Run) -> dict[str, Any] | None:
    """The run's map shape with its ends trimmed by the runner's zones (``sharing.zones``)."""
    points = _positions(run)
    found = [zones.Zone(z.lat, z.lon, z.radius) for z in list_zones(session, run.runner_id)]
    kept = zones.trim(points, found)
    if len(kept) < 2:
        return None
    return {
        "polyline": polyline.encode(kept, 5),
        "bounds": zones.bounds(kept),
        "trimmed": len(kept) < len(points),
    }


def _positions(run: Run) -> list[zones.LatLon]:
    """The run's summary shape: its polyline (a file's keeps its first and last position;
    Strava's is Strava's)."""
    if not run.polyline:
        return []
    try:
        return [(lat, lon) for lat, lon in polyline.decode(run.polyline, 5)]
    except (ValueError, IndexError, TypeError):  # a polyline we cannot read shows no map
        return []


def _splits(session: Session, run: Run) -> list[dict[str, Any]]:
    found = streams.series(session, run.id)
    if found is None:
        track = merges.track_of(session, run)
        if track is None:
            return []
        points = cast("list[list[float]]", track.points)
        found = ([p[5] for p in points], [p[0] for p in points])
    return splits.splits(found[0], found[1], "km")


def shared_race(session: Session, race: Race) -> dict[str, Any]:
    return {
        "kind": "race",
        "name": race.name,
        "date": race.date.isoformat(),
        "distance": race.distance,
        "result_time": race_result(session, race),
    }


def race_result(session: Session, race: Race) -> int | None:
    """The elapsed time of the counted run on the race's (local) day nearest the race's
    distance, within 10% of it; None before the race or without such a run."""
    day = datetime.combine(race.date, time())
    candidates = session.scalars(
        select(Run).where(
            Run.runner_id == race.runner_id,
            Run.start_local >= day,
            Run.start_local < day + timedelta(days=1),
            *counted.counted(),
        )
    )
    best: Run | None = None
    for run in candidates:
        gap = abs(run.distance - race.distance)
        if gap <= race.distance * RACE_DISTANCE_TOLERANCE and (
            best is None or gap < abs(best.distance - race.distance)
        ):
            best = run
    return best.elapsed_time if best is not None else None
