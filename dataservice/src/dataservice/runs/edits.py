"""A runner's corrections to a run, and how a source's later content meets them.

A Strava run whose title the runner changed, or whose distance they set right after GPS
drift, keeps the runner's values when Strava sends the activity again, while the fields the
runner left alone still follow Strava.  ``Run.edited_fields`` names the source's fields
changed here; ``Run.content_hash`` is the digest of what the source last sent, so an
activity sent again unchanged is still recognised as unchanged.  ``workout_type`` and
``excluded`` belong to the runner alone: no source sends them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dataservice.runs.models import Run
from dataservice.runs.serialize import FIELDS

SOURCE_FIELDS: tuple[str, ...] = (*FIELDS, "start_time")
WORKOUT_TYPES = ("race", "long_run", "workout")
LOCAL_FIELDS = ("workout_type", "excluded")
# Best efforts are computed from these: a change to one recomputes them, and Strava's own
# efforts (measured on the distance the runner corrected) no longer hold.
MEASURED = frozenset({"distance", "moving_time", "elapsed_time", "sport_type", "start_time"})
# Where and when on the wall clock a start time was: they go with a start time kept.
_WITH_START = ("start_local", "utc_offset", "timezone")


def record(run: Run, data: Mapping[str, Any]) -> set[str]:
    """Set the runner's own fields from ``data`` and add the source fields it changes to
    ``run.edited_fields``; returns those source fields.  A value sent as it already is
    is no edit (a form sends back what it showed).  Call it before the source fields are
    set: it compares with the stored values.  A corrected distance corrects the speed."""
    for field in LOCAL_FIELDS:
        if field in data:
            setattr(run, field, data[field])
    changed = {f for f in SOURCE_FIELDS if f in data and data[f] != getattr(run, f)}
    if changed:
        # A new list, not an append: the ORM sees a JSON column change only on assignment.
        run.edited_fields = sorted(set(run.edited_fields or ()) | changed)
    if "distance" in changed and "average_speed" not in data:
        run.average_speed = speed(data["distance"], data.get("moving_time", run.moving_time))
    return changed


def speed(distance: float | None, moving_time: int | None) -> float | None:
    """Average speed (m/s) over moving time: what a corrected distance makes of it."""
    if not distance or not moving_time:
        return None
    return round(distance / moving_time, 3)


def keep_local(
    session: Session, rows: Sequence[dict[str, Any]], edited: Mapping[int, Collection[str]]
) -> None:
    """Put the runner's values back into the source's new ``rows`` (each with its run's
    ``id``; ``edited`` by run id) before they are written: one read of the few runs with
    local edits.  The speed follows a corrected distance."""
    ids = [row["id"] for row in rows if edited.get(row["id"])]
    if not ids:
        return
    names = [*SOURCE_FIELDS, *_WITH_START, "gear_id"]  # gear: gear.service.set_on_run
    columns = [getattr(Run, name) for name in names]
    stored = {r.id: r for r in session.execute(select(Run.id, *columns).where(Run.id.in_(ids)))}
    for row in rows:
        fields = edited.get(row["id"])
        if not fields:
            continue
        kept = (
            [*fields, *(f for f in _WITH_START if f in names)] if "start_time" in fields else fields
        )
        for field in kept:
            row[field] = getattr(stored[row["id"]], field)
        if "distance" in fields and "average_speed" not in fields:
            row["average_speed"] = speed(row["distance"], row["moving_time"])
