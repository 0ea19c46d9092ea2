"""Fixtures for plans: races and runs arranged directly, and a snapshot of what is stored."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from flask import Flask

from dataservice.runs.service import create_manual_run


@pytest.fixture
def this_monday(today: dt.date) -> dt.date:
    return today - dt.timedelta(days=today.weekday())


@pytest.fixture
def add_run(app: Flask) -> Callable[..., None]:
    """``add_run(runner, start, metres, sport="Run")`` stores a run typed in by hand."""

    def create(runner_id: int, start: dt.datetime, distance: float, sport: str = "Run") -> None:
        data = {
            "start_time": start,
            "distance": distance,
            "moving_time": int(distance * 0.3),
            "elapsed_time": int(distance * 0.3),
            "sport_type": sport,
        }
        with app.extensions["runnerly.db"].transaction() as session:
            create_manual_run(session, runner_id, data)

    return create


@pytest.fixture
def race(runner, make_race, today, this_monday):
    """A 10k on the Sunday of the 5th week from this Monday, with a goal of 50 minutes."""
    race_day = this_monday + dt.timedelta(weeks=4, days=6)
    return make_race(runner, days=(race_day - today).days, goal_time=3000)


@pytest.fixture
def plan_body(race, this_monday):
    def body(*sessions: dict, **fields) -> dict:
        return {
            "race_id": race,
            "start_date": this_monday.isoformat(),
            "sessions": list(sessions),
            **fields,
        }

    return body


@pytest.fixture
def on(this_monday):
    """``on(day, kind, distance, **fields)``: a session ``day`` days after the plan starts."""

    def session(day: int, kind: str = "easy", distance: float | None = 5000, **fields) -> dict:
        date = (this_monday + dt.timedelta(days=day)).isoformat()
        return {"date": date, "kind": kind, "distance": distance, **fields}

    return session
