"""A profile change recomputes every run's load: with heart-rate streams and tracks, it
reads them in as many statements for 60 runs as for 5 (it read one stream, or one track,
per run: 60 runs, 60 more round trips in the transaction of a profile save)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import event, select

from dataservice.runs import streams
from dataservice.runs.bulk import upsert_runs
from dataservice.runs.models import Run, RunTrack
from dataservice.training import kept
from dataservice.training.models import RunLoad
from dataservice.users import service as users

NEWEST = datetime(2025, 6, 1, 7, tzinfo=UTC)


@contextmanager
def _counted(app: Flask) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    engine = app.extensions["runnerly.db"].engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _with_heart_rate(app: Flask, runner: int, count: int) -> None:
    """``count`` runs a day apart: two of three with a heart-rate stream, the others with
    a stream without heart rate and a file's track with it (the load falls back to it)."""
    items = [
        {
            "source": "strava",
            "external_id": f"h{i}",
            "start_time": NEWEST - timedelta(days=i),
            "distance": 8000.0,
            "moving_time": 2400,
            "elapsed_time": 2500,
            "sport_type": "Run",
        }
        for i in range(count)
    ]
    with app.extensions["runnerly.db"].transaction() as session:
        upsert_runs(session, runner, items)
        mine = session.scalars(select(Run).where(Run.runner_id == runner).order_by(Run.id))
        for i, run in enumerate(mine):
            time = [float(t) for t in range(0, 2400, 10)]
            data: dict[str, Any] = {"time": time, "distance": [t * 3.3 for t in time]}
            if i % 3:
                data["heartrate"] = [140 + i % 20] * len(time)
            else:
                session.add(RunTrack(run_id=run.id, points=[[t, 0, 0, 0, 150, 0] for t in time]))
            streams.store(session, run, data)


def _profile_change(app: Flask, count: int, make_runner: Any) -> list[str]:
    runner = make_runner(max_hr=190, rest_hr=50)
    _with_heart_rate(app, runner, count)
    db = app.extensions["runnerly.db"]
    with _counted(app) as seen, db.transaction() as session:
        users.update_user(session, users.get_user(session, runner), {"max_hr": 185})
    with db.sessionmaker() as session:
        methods = {m for (m,) in session.execute(select(RunLoad.method))}
        assert methods == {"hr_stream"}  # every load read its stream or track
        assert kept.rounded(kept.stored_days(session, runner)) == kept.rounded(
            kept.compute(session, runner)
        )
    return seen


def test_a_profile_change_reads_the_streams_of_60_runs_in_the_statements_of_5(
    app: Flask, make_runner: Any
) -> None:
    few = _profile_change(app, 5, make_runner)
    many = _profile_change(app, 60, make_runner)
    assert len(many) == len(few), many
