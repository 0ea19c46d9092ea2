"""A bulk upsert's refreshers (records panel, run VDOTs, training load: ``runs.changed``)
send as many statements for a batch of 60 runs as for one of 5.

Issue 20's refreshers first wrote one ORM object per run VDOT, deleted or moved a run's
load with one statement each, and named the batch's runs in IN lists of one parameter a
run: a 1,000-run batch of the Strava sync became several times slower.  Counting
statements says so whatever the machine's load, where a timed test would not.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import event

from dataservice.runs.bulk import upsert_runs

NEWEST = datetime(2025, 6, 1, 7, tzinfo=UTC)


def _runs(first: int, count: int, **change: Any) -> list[dict[str, Any]]:
    """``count`` runs with heart rate and best efforts, two days apart, the newest first
    (as Strava pages them); run ``first`` on NEWEST, every fifth a race."""
    return [
        {
            "source": "strava",
            "external_id": f"r{i}",
            "start_time": NEWEST - timedelta(days=2 * i),
            "distance": 8000.0 + i % 7 * 500,
            "moving_time": 2400 + i % 5 * 60,
            "elapsed_time": 2600,
            "sport_type": "Run",
            "average_hr": 140.0 + i % 15,
            "workout_type": "race" if i % 5 == 0 else None,
            "best_efforts": [
                {"distance": 1000, "elapsed_time": 270 + i % 20},
                {"distance": 5000, "elapsed_time": 1450 + i % 40},
            ],
            **change,
        }
        for i in range(first, first + count)
    ]


@contextmanager
def _counted(app: Flask) -> Iterator[list[tuple[str, int]]]:
    """(statement, parameters of one execution) of each statement sent meanwhile."""
    seen: list[tuple[str, int]] = []

    def record(_c: Any, _cur: Any, statement: str, parameters: Any, _ctx: Any, many: bool) -> None:
        one = parameters[0] if many and parameters else parameters
        seen.append((statement, len(one or ())))

    engine = app.extensions["runnerly.db"].engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _statements(app: Flask, runner: int, size: int) -> list[list[tuple[str, int]]]:
    """The statements of each step of a backfill of ``size``-run batches: the newest
    batch, an older one (days after it are rewritten), the older one again with every
    load, VDOT and day changed (a longer moving time, a lower heart rate, a day later)."""
    db = app.extensions["runnerly.db"]
    steps = [
        _runs(0, size),
        _runs(size, size),
        [
            {**r, "start_time": r["start_time"] + timedelta(days=1), "average_hr": 130.0}
            for r in _runs(size, size, moving_time=2900)
        ],
    ]
    answer = []
    for items in steps:
        with _counted(app) as seen, db.transaction() as session:
            upsert_runs(session, runner, items)
        answer.append(seen)
    return answer


def test_a_batch_of_60_runs_sends_the_statements_of_a_batch_of_5(
    app: Flask, make_runner: Any
) -> None:
    small = _statements(app, make_runner(max_hr=190, rest_hr=50), 5)
    large = _statements(app, make_runner(max_hr=190, rest_hr=50), 60)
    for step, (few, many) in enumerate(zip(small, large, strict=True)):
        assert len(many) == len(few), (step, [s for s, _n in many])
    if app.extensions["runnerly.db"].engine.dialect.name == "postgresql":
        # Runs named by one array, not one parameter each (SQLite has no arrays).
        widest = max((n, s) for seen in large for s, n in seen)
        assert widest[0] < 60, widest
