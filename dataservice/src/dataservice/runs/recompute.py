"""One way to (re)compute a run's best efforts from what is stored about it.

In order of exactness: its Strava stream (``origin`` ``stream``), its file's track
(``track``), Strava's own best efforts kept from the sync (``strava``), else the whole run
when it was about a record distance long (``whole``); then :func:`efforts.consistent`.  A run
that does not count in statistics (excluded by its runner, merged into another) holds none.

Every write that changes what a run's efforts derive from calls :func:`recompute_efforts`;
the bulk upsert uses :func:`efforts_rows` for its many runs at once.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any, cast

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from dataservice.imports.efforts import fastest
from dataservice.runs import changed, counted
from dataservice.runs.efforts import efforts_for
from dataservice.runs.fast_insert import among
from dataservice.runs.models import RECORD_DISTANCES, BestEffort, Run, RunStream, RunTrack
from dataservice.runs.streams import decode

_COLUMNS = (
    "id", "runner_id", "sport_type", "distance", "moving_time", "elapsed_time", "start_time"
)  # fmt: skip
# Columns other parts of the schema add (runs/counted.py decides with them); read when present.
_NOT_COUNTED = ("excluded", "merged_into")


def _counts(run: Mapping[str, Any]) -> bool:
    """:func:`counted.counts` for a row read here (its columns may be newer than the code
    calling: a migration runs this)."""
    return counted.counts(
        {"excluded": bool(run.get("excluded")), "merged_into": run.get("merged_into")}
    )


def measured_series(
    session: Session, run_ids: Iterable[int]
) -> dict[int, tuple[list[float], list[float], str]]:
    """{run id: (cumulative distances, times, origin)} of the runs that have a stream or
    a track (the stream wins)."""
    ids = list(run_ids)
    found: dict[int, tuple[list[float], list[float], str]] = {}
    if not ids:
        return found
    for run_id, points in session.execute(
        select(RunTrack.run_id, RunTrack.points).where(among(session, RunTrack.run_id, ids))
    ):
        # A stored track's time (0) and distance (5) are always set (imports.track).
        distances, times = cast("list[float]", [p[5] for p in points]), [p[0] for p in points]
        found[run_id] = (distances, cast("list[float]", times), "track")
    for run_id, data in session.execute(
        select(RunStream.run_id, RunStream.data).where(
            among(session, RunStream.run_id, ids), RunStream.data.is_not(None)
        )
    ):
        if data is None:  # the WHERE above left none
            continue
        streams = decode(data)
        found[run_id] = (streams["distance"], streams["time"], "stream")
    return found


def efforts_rows(
    run: Mapping[str, Any],
    series: tuple[list[float], list[float], str] | None,
    provided: Mapping[int, float] | None,
) -> list[dict[str, Any]]:
    """The ``best_efforts`` rows of one run (with ``run_id``)."""
    if not _counts(run):
        return []
    if series is not None:
        dist, time, origin = series
        rows = efforts_for(run, fastest(dist, time, RECORD_DISTANCES), origin)
    else:
        rows = efforts_for(run, provided, "strava")
    return [{**row, "run_id": run["id"]} for row in rows]


def recompute_efforts(
    session: Session, run_ids: Iterable[int], present: Collection[str] | None = None
) -> None:
    """Replace the best efforts of these runs by what their stored data gives.
    ``present``: the columns ``runs`` has, when older than the model (a migration)."""
    ids = list(run_ids)
    if not ids:
        return
    columns = [
        getattr(Run, c) for c in (*_COLUMNS, *_NOT_COUNTED) if present is None or c in present
    ]
    runs = [dict(row._mapping) for row in session.execute(select(*columns).where(Run.id.in_(ids)))]
    changed.touch(session, {run["runner_id"] for run in runs})  # their records follow
    kept: dict[int, dict[int, float]] = {}
    for run_id, distance, elapsed in session.execute(
        select(BestEffort.run_id, BestEffort.distance, BestEffort.elapsed).where(
            BestEffort.run_id.in_(ids), BestEffort.origin == "strava"
        )
    ):
        kept.setdefault(run_id, {})[distance] = elapsed
    series = measured_series(session, ids)
    rows = [
        effort
        for run in runs
        for effort in efforts_rows(run, series.get(run["id"]), kept.get(run["id"]))
    ]
    session.execute(delete(BestEffort).where(BestEffort.run_id.in_(ids)))
    if rows:
        session.execute(insert(BestEffort), rows)
