"""A Strava run's activity streams: kept compactly, read back as (distance, time) series.

The worker asks which runs still need their streams (:func:`pending`, newest first), sends
each one it fetched (:func:`store`), or notes that Strava has none (a manual entry), so that
it is not asked again.  Storing a stream recomputes the run's best efforts from it.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from dataservice.errors import invalid
from dataservice.runs.models import Run, RunStream

KEYS = (
    "time", "distance", "latlng", "altitude", "heartrate", "cadence", "moving", "velocity_smooth"
)  # fmt: skip
MAX_POINTS = 200_000  # as a file's track (imports.model.MAX_POINTS): a day at 1 s is 86,400
_DIGITS = {"distance": 1, "altitude": 1, "velocity_smooth": 2, "latlng": 6}


def encode(streams: Mapping[str, Sequence[Any]]) -> bytes:
    """zlib of the JSON {key: values}, rounded to what the sensors resolve."""
    compact: dict[str, list[Any]] = {}
    for key, values in streams.items():
        digits = _DIGITS.get(key)
        if key == "latlng":
            compact[key] = [[round(a, 6), round(b, 6)] for a, b in values]
        elif digits is not None:
            compact[key] = [round(v, digits) for v in values]
        else:
            compact[key] = list(values)
    return zlib.compress(json.dumps(compact, separators=(",", ":")).encode(), 6)


def decode(data: bytes) -> dict[str, list[Any]]:
    streams: dict[str, list[Any]] = json.loads(zlib.decompress(data))
    return streams


def check(streams: Mapping[str, Any]) -> int:
    """The number of points; 400 naming the field when the streams do not fit together:
    every key as long as ``time``, ``time`` and ``distance`` never decreasing."""
    time, distance = streams.get("time"), streams.get("distance")
    if time is None or distance is None:
        raise invalid("body.time" if time is None else "body.distance", "is required with data")
    count = len(time)
    if count > MAX_POINTS:
        raise invalid("body.time", f"at most {MAX_POINTS} points")
    for key, values in streams.items():
        if len(values) != count:
            raise invalid(f"body.{key}", "must have as many points as time")
    for key in ("time", "distance"):
        values = streams[key]
        if any(b < a for a, b in pairwise(values)):
            raise invalid(f"body.{key}", "must never decrease")
    return count


def store(session: Session, run: Run, streams: Mapping[str, Any] | None) -> RunStream:
    """Keep ``run``'s streams (None: Strava has none) in place of any before, and
    recompute its best efforts.  The caller commits."""
    from dataservice.runs.recompute import recompute_efforts  # it reads what is kept here

    data = None if streams is None else {k: v for k, v in streams.items() if k in KEYS}
    points = 0 if data is None else check(data)
    row = session.get(RunStream, run.id) or RunStream(run_id=run.id)
    row.points = points
    row.data = encode(data) if data and points else None
    session.add(row)
    session.flush()
    recompute_efforts(session, [run.id])
    return row


def series(session: Session, run_id: int) -> tuple[list[float], list[float]] | None:
    """(cumulative distances, times) from the run's stream; None without one."""
    data = session.scalar(select(RunStream.data).where(RunStream.run_id == run_id))
    if data is None:
        return None
    streams = decode(data)
    return streams["distance"], streams["time"]


def pending(session: Session, runner_id: int, limit: int) -> list[Run]:
    """The runner's Strava runs without streams yet, newest first."""
    query = (
        select(Run)
        .outerjoin(RunStream, RunStream.run_id == Run.id)
        .where(Run.runner_id == runner_id, Run.source == "strava", RunStream.run_id.is_(None))
        .order_by(Run.start_time.desc(), Run.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def progress(session: Session, runner_id: int) -> dict[str, int]:
    """How many of the runner's Strava runs have had their streams fetched."""
    runs, fetched = session.execute(
        select(func.count(Run.id), func.count(RunStream.run_id))
        .select_from(Run)
        .outerjoin(RunStream, and_(RunStream.run_id == Run.id))
        .where(Run.runner_id == runner_id, Run.source == "strava")
    ).one()
    return {"runs": runs, "fetched": fetched}
