"""Personal records: fastest efforts over the record distances, longest run, biggest
week and month.

Best efforts already hold, per run and distance, the fastest time from the run's track (or
Strava's), or from the whole run when it was about that long; a record is the fastest of
them.  Each distance is one ``ORDER BY elapsed LIMIT 1`` walk of the index on
(runner_id, distance, elapsed), and the seven walks go to the database as one ``UNION ALL``.
Records are running records: walks and rides never hold one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import func, select, union_all
from sqlalchemy.orm import Session

from dataservice.runs.counted import counted
from dataservice.runs.models import RECORD_DISTANCES, BestEffort, Run
from dataservice.stats import buckets
from dataservice.stats.overview import overview
from dataservice.stats.periods import Period, midnight
from dataservice.stats.rows import EFFORT_COLUMNS, RUN_COLUMNS, effort_to_dict, run_to_record
from dataservice.stats.totals import DEFAULT_SPORTS, runner_runs

LABELS = {
    400: "400 m",
    1000: "1 km",
    1609: "1 mile",
    5000: "5 km",
    10000: "10 km",
    21097: "Half marathon",
    42195: "Marathon",
}


def best_efforts(
    session: Session,
    runner_id: int,
    distances: Iterable[int] = RECORD_DISTANCES,
    before: date | None = None,
) -> dict[int, Any]:
    """The fastest effort per distance (run started before ``before`` if given); ties go
    to the earliest run, which set the record first."""
    walks = []
    for distance in distances:
        query = (
            select(*EFFORT_COLUMNS)
            .join(Run, Run.id == BestEffort.run_id)
            .where(BestEffort.runner_id == runner_id, BestEffort.distance == distance)
            .order_by(BestEffort.elapsed, BestEffort.start_time, BestEffort.run_id)
            .limit(1)
        )
        if before is not None:
            query = query.where(Run.start_local < midnight(before))  # the runner's day
        walks.append(select(query.subquery()))  # SQLite wants LIMIT inside a subquery
    if not walks:
        return {}
    return {row.distance: row for row in session.execute(union_all(*walks))}


def longest_run(
    session: Session,
    runner_id: int,
    start: date | None = None,
    end: date | None = None,
) -> dict[str, Any] | None:
    """The longest running activity (between ``start`` and ``end`` if given)."""
    row = session.execute(
        select(*RUN_COLUMNS)
        .where(*runner_runs(runner_id, DEFAULT_SPORTS, start, end))
        .order_by(Run.distance.desc(), Run.start_time, Run.id)
        .limit(1)
    ).first()
    return None if row is None else run_to_record(row)


def biggest(session: Session, runner_id: int, period: Period) -> dict[str, Any] | None:
    """The week or month with the most distance run (the earliest of equals)."""
    start = buckets.period_start(session, period)
    distance = func.sum(Run.distance)
    row = session.execute(
        select(start, *buckets.sums())
        .where(*runner_runs(runner_id, DEFAULT_SPORTS))
        .group_by(start)
        .order_by(distance.desc(), start)
        .limit(1)
    ).first()
    if row is None:
        return None
    return {"start": buckets.as_date(row[0]).isoformat(), **buckets.totals(row[1:])}


def compute(session: Session, runner_id: int) -> dict[str, Any]:
    """Everything the dashboard's records panel shows, null where nothing is held yet, read
    from the runner's runs (readers get it stored: ``stats.kept_records``)."""
    best = best_efforts(session, runner_id)
    return {
        "best_efforts": [
            {
                "distance": distance,
                "label": LABELS[distance],
                "best": effort_to_dict(best[distance]) if distance in best else None,
            }
            for distance in RECORD_DISTANCES
        ],
        # one read of the runs for the three (stats.overview), not three
        **overview(session, runner_id),
    }


def period_efforts(session: Session, runner_id: int, start: date, end: date) -> dict[int, Any]:
    """The fastest effort per distance among runs started from ``start`` to before ``end``:
    the period's runs come through the runs index, their efforts by primary key."""
    rows = session.execute(
        select(*EFFORT_COLUMNS)
        .join(BestEffort, BestEffort.run_id == Run.id)
        .where(
            Run.runner_id == runner_id,
            Run.start_local >= midnight(start),
            Run.start_local < midnight(end),
            *counted(),  # efforts exist only for counted runs; this keeps the read honest
        )
        .order_by(BestEffort.distance, BestEffort.elapsed, Run.start_time, Run.id)
    )
    fastest: dict[int, Any] = {}
    for row in rows:
        fastest.setdefault(row.distance, row)
    return fastest
