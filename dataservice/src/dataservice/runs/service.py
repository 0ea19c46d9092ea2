"""Reading and changing one runner's runs."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dataservice.errors import invalid, not_found
from dataservice.gear import service as gear_service
from dataservice.runs import edits, files, merges, search
from dataservice.runs.hashing import content_hash
from dataservice.runs.local_time import LocalTime, resolve
from dataservice.runs.models import DeletedActivity, Run, RunTrack
from dataservice.runs.recompute import recompute_efforts
from dataservice.runs.serialize import FIELDS
from dataservice.users.service import runner_zone
from runnerly_common.db import utcnow


def get_run(session: Session, runner_id: int, run_id: int, *, for_change: bool = False) -> Run:
    """``for_change``: lock the row until the transaction ends, so that a concurrent
    deletion either waits for this change or makes the run not found here (PostgreSQL;
    SQLite lets one writer at a time)."""
    run = session.get(Run, run_id, with_for_update=for_change or None)
    if run is None or run.runner_id != runner_id:
        raise not_found(f"run {run_id}")
    return run


def list_runs(
    session: Session,
    runner_id: int,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    first_day: date | None = None,
    last_day: date | None = None,
    sport: str | None = None,
    source: str | None = None,
    q: str | None = None,
    min_distance: float | None = None,
    max_distance: float | None = None,
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[Run], int]:
    """Newest first; ``start`` inclusive, ``end`` exclusive; ``q`` and the distances are
    the runner's search (``runs.search``)."""
    if start and end and end <= start:
        raise invalid("query.to", "must be after 'from'")
    conditions = [Run.runner_id == runner_id]
    if start:
        conditions.append(Run.start_time >= start)
    if end:
        conditions.append(Run.start_time < end)
    # Days of the runner's calendar: each run on the day of its local start.
    if first_day and last_day and last_day < first_day:
        raise invalid("query.to_day", "must not be before 'from_day'")
    if first_day:
        conditions.append(Run.start_local >= datetime.combine(first_day, time()))
    if last_day:
        conditions.append(Run.start_local < datetime.combine(last_day + timedelta(days=1), time()))
    if sport:
        conditions.append(Run.sport_type == sport)
    if source:  # where runs came from (the worker counts its own): absorbed ones too
        conditions.append(Run.source == source)
    else:  # the runner's list: a merged group once, as its kept run (runs.merges)
        conditions.append(Run.merged_into.is_(None))
    conditions.extend(search.conditions(q, min_distance, max_distance))
    total = session.scalar(select(func.count(Run.id)).where(*conditions)) or 0
    runs = session.scalars(
        select(Run)
        .where(*conditions)
        .order_by(Run.start_time.desc(), Run.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return list(runs), total


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    """The month on a wall clock: compared with runs' local starts (``start_local``)."""
    start = datetime(year, month, 1)
    end = datetime(year + (month == 12), month % 12 + 1, 1)
    return start, end


def runs_of_month(session: Session, runner_id: int, year: int, month: int) -> list[Run]:
    """The book's month query, the runner's month: one index range scan on (runner_id,
    start_local)."""
    start, end = month_bounds(year, month)
    return list(
        session.scalars(
            select(Run)
            .where(
                Run.runner_id == runner_id,
                Run.start_local >= start,
                Run.start_local < end,
                Run.merged_into.is_(None),  # a merged group once, as its kept run
            )
            .order_by(Run.start_local, Run.id)
        )
    )


def create_manual_run(session: Session, runner_id: int, data: dict[str, Any]) -> Run:
    run = Run(runner_id=runner_id, source="manual", external_id=uuid.uuid4().hex)
    run.gear_id = gear_service.default_id(session, runner_id)
    _apply(run, data)
    # A run entered by hand was run where its runner lives.
    _place(run, resolve(run.start_time, fallback_zone=runner_zone(session, runner_id)))
    session.add(run)
    session.flush()
    recompute_efforts(session, [run.id])
    return run


def update_run(session: Session, run: Run, data: dict[str, Any]) -> Run:
    """The runner's correction: what it changes of the source's fields is kept through
    later syncs (``runs.edits``); efforts, and so records, follow at once."""
    edits.record(run, data)
    if "gear_id" in data:
        gear_service.set_on_run(session, run, data["gear_id"])
    _apply(run, data, partial=True)
    if "start_time" in data:  # moved in time: same place, the offset its zone has then
        zone = run.timezone or runner_zone(session, run.runner_id)
        kept = run.utc_offset if run.timezone is None and run.utc_offset is not None else None
        _place(run, resolve(run.start_time, utc_offset=kept, timezone=zone))
    session.flush()
    recompute_efforts(session, [run.id])
    merges.refresh_group(session, run)  # a merged run's efforts: its group's richest source
    return run


def delete_run(session: Session, run: Run) -> None:
    """Delete the run; a Strava run's key is kept so that no later sync brings it back
    (a file imported again is the runner's own choice, and comes back)."""
    if run.source == "strava":
        known = session.scalar(
            select(DeletedActivity.id).where(
                DeletedActivity.runner_id == run.runner_id,
                DeletedActivity.source == run.source,
                DeletedActivity.external_id == run.external_id,
            )
        )
        if known is None:
            session.add(
                DeletedActivity(
                    runner_id=run.runner_id, source=run.source, external_id=run.external_id
                )
            )
    released = merges.before_delete(session, [run.id])  # its absorbed runs count again
    session.delete(run)
    session.flush()
    merges.after_delete(session, released)


def _apply(run: Run, data: dict[str, Any], partial: bool = False) -> None:
    for field in (*FIELDS, "start_time"):
        if field in data:
            setattr(run, field, data[field])
        elif not partial and field in ("title", "sport_type"):
            setattr(run, field, "Run")
    if (
        run.elapsed_time is not None
        and run.moving_time is not None
        and run.moving_time > run.elapsed_time
    ):
        raise invalid("body.moving_time", "must not exceed elapsed_time")
    if not partial:  # the source's content; a runner's edit is not (runs.edits)
        run.content_hash = content_hash({f: getattr(run, f) for f in (*FIELDS, "start_time")})
    run.updated_at = utcnow()


def _place(run: Run, local: LocalTime) -> None:
    run.start_local, run.utc_offset, run.timezone = (
        local.start_local,
        local.utc_offset,
        local.timezone,
    )


def import_file(
    session: Session, runner_id: int, filename: str, content: bytes
) -> tuple[Run, bool]:
    """A run from a GPX, TCX or FIT file; the same file twice gives the same run.

    The file itself is kept with the run (``runs.files``), in the caller's transaction."""
    from dataservice.imports import FileRejected, parse_activity  # loaded when first used

    external_id = hashlib.sha256(content).hexdigest()[:32]
    existing = session.scalar(
        select(Run).where(
            Run.runner_id == runner_id, Run.source == "file", Run.external_id == external_id
        )
    )
    if existing is not None:
        files.keep(session, existing, filename, content)  # imported before files were kept
        return existing, False
    try:
        activity = parse_activity(filename, content)
    except FileRejected as exc:
        raise invalid("body", exc.problem, status=422) from None
    run = Run(runner_id=runner_id, source="file", external_id=external_id)
    run.gear_id = gear_service.default_id(session, runner_id)  # the runner may change it
    _apply(
        run,
        {
            "title": activity.title or _default_title(activity.start_time, activity.sport_type),
            "description": activity.description,
            "start_time": activity.start_time,
            **{
                field: getattr(activity, field)
                for field in (
                    "distance",
                    "moving_time",
                    "elapsed_time",
                    "average_speed",
                    "max_speed",
                    "average_hr",
                    "max_hr",
                    "elevation_gain",
                    "sport_type",
                    "polyline",
                )
            },
        },
    )
    # Where the track starts, else the file's own local time, else the runner's zone.
    _place(
        run,
        resolve(
            activity.start_time,
            utc_offset=None if activity.timezone else activity.utc_offset,
            timezone=activity.timezone,
            fallback_zone=runner_zone(session, runner_id),
        ),
    )
    run.track = RunTrack(
        points=[[p.t, p.lat, p.lon, p.ele, p.hr, p.dist] for p in activity.points],
        original_filename=filename[:255],
    )
    session.add(run)
    session.flush()
    recompute_efforts(session, [run.id])
    files.keep(session, run, filename, content)
    merges.after_import(session, run)  # the watch's file of a run Strava imported: one run
    return run, True


def _default_title(start: datetime, sport: str) -> str:
    hour = start.hour
    part = (
        "Morning"
        if 5 <= hour < 12
        else "Afternoon"
        if 12 <= hour < 18
        else "Evening"
        if 18 <= hour < 22
        else "Night"
    )
    return f"{part} {'Run' if sport == 'Run' else sport}"
