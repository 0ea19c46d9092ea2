"""Arranging races and plans directly, and a snapshot of what they store (races, plans)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from dataservice.plans.models import Plan, PlanWorkout
from dataservice.races import service as races
from dataservice.races.models import Race


@pytest.fixture
def today() -> dt.date:
    """The service's today: days to go count from the UTC date."""
    return dt.datetime.now(dt.UTC).date()


@pytest.fixture
def make_race(app: Flask, today: dt.date) -> Callable[..., int]:
    """``make_race(runner, days=30, **fields)`` stores a race ``days`` from today."""

    def create(runner_id: int, days: int = 30, **fields: Any) -> int:
        data = {"name": "Spring 10k", "date": today + dt.timedelta(days=days), "distance": 10000}
        with app.extensions["runnerly.db"].transaction() as session:
            return races.create_race(session, runner_id, {**data, **fields}).id

    return create


@pytest.fixture
def stored(app: Flask) -> Callable[[], dict[str, list[Any]]]:
    """Every row of races, plans and plan workouts, read afresh: equal snapshots before and
    after a refused request mean it changed nothing."""

    def snapshot() -> dict[str, list[Any]]:
        with app.extensions["runnerly.db"].transaction() as session:
            return {
                model.__tablename__: list(
                    session.execute(select(model.__table__).order_by(model.__table__.c.id))
                )
                for model in (Race, Plan, PlanWorkout)
            }

    return snapshot


@pytest.fixture
def make_plan(app: Flask) -> Callable[..., int]:
    """``make_plan(runner, race, start, days)``: a plan from the Monday ``start`` with a
    5 km easy run on each of its first ``days`` days."""

    def create(runner_id: int, race_id: int, start: dt.date, days: int = 3) -> int:
        with app.extensions["runnerly.db"].transaction() as session:
            plan = Plan(runner_id=runner_id, race_id=race_id, name="Plan", start_date=start)
            plan.workouts = [
                PlanWorkout(date=start + dt.timedelta(days=i), kind="easy", distance=5000)
                for i in range(days)
            ]
            session.add(plan)
            session.flush()
            return plan.id

    return create
