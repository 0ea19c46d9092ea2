"""How each record progressed, and the records a run set.

A run set a record at a distance when its effort there was faster than every effort of an
earlier run (ties go to the earlier run, as in :func:`records.best_efforts`).  Both read
the index on (runner_id, distance, elapsed): the history reads the distance's efforts, a
run's records one short walk per distance it holds.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from dataservice.runs.models import BestEffort, Run
from dataservice.stats.records import LABELS
from dataservice.stats.rows import EFFORT_COLUMNS, effort_to_dict


def history(session: Session, runner_id: int, distance: int) -> list[dict[str, Any]]:
    """Each effort that was the record when it was run, oldest first."""
    rows = session.execute(
        select(*EFFORT_COLUMNS)
        .join(Run, Run.id == BestEffort.run_id)
        .where(BestEffort.runner_id == runner_id, BestEffort.distance == distance)
        .order_by(BestEffort.start_time, BestEffort.run_id)
    )
    progression: list[dict[str, Any]] = []
    best = float("inf")
    for row in rows:
        if row.elapsed < best:
            best = row.elapsed
            progression.append(effort_to_dict(row))
    return progression


def _earlier_or_equal(effort: Any) -> Any:
    """An effort of the same runner and distance at least as fast, run before ``effort``."""
    return and_(
        BestEffort.runner_id == effort.runner_id,
        BestEffort.distance == effort.distance,
        BestEffort.elapsed <= effort.elapsed,
        or_(
            BestEffort.start_time < effort.start_time,
            and_(BestEffort.start_time == effort.start_time, BestEffort.run_id < effort.run_id),
        ),
    )


def _faster_since(effort: Any) -> Any:
    """An effort of the same runner and distance faster than ``effort``, run after it."""
    return and_(
        BestEffort.runner_id == effort.runner_id,
        BestEffort.distance == effort.distance,
        BestEffort.elapsed < effort.elapsed,
    )


def set_by_run(session: Session, run_id: int) -> list[dict[str, Any]]:
    """The records ``run_id`` set, shortest distance first, each saying whether it still
    stands (``current``)."""
    efforts = list(session.scalars(select(BestEffort).where(BestEffort.run_id == run_id)))
    result = []
    for effort in sorted(efforts, key=lambda e: e.distance):
        beaten_before = session.scalar(
            select(BestEffort.run_id).where(_earlier_or_equal(effort)).limit(1)
        )
        if beaten_before is not None:
            continue
        beaten_since = session.scalar(
            select(BestEffort.run_id).where(_faster_since(effort)).limit(1)
        )
        result.append(
            {
                "distance": effort.distance,
                "label": LABELS[effort.distance],
                "elapsed": effort.elapsed,
                "pace": round(effort.elapsed * 1000 / effort.distance, 1),
                "origin": effort.origin,
                "current": beaten_since is None,
            }
        )
    return result
