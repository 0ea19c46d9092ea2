"""Property: after any sequence of adds (with best efforts, some races), edits (distance,
time, heart rate, day, race mark, exclusion), merges, deletes and profile changes, each in
its own transaction, the stored run VDOTs equal a recomputation from scratch: the refresher
rewrites only the changed runs unless the correction factor moves (a race marked or edited)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from dataservice.runs import merges, service
from dataservice.runs.bulk import upsert_runs
from dataservice.runs.models import Run
from dataservice.users import service as users
from dataservice.vo2max import kept

_ids = itertools.count(1)
START = datetime(2026, 3, 1, 7, tzinfo=UTC)

days = st.integers(0, 30)
runs = st.fixed_dictionaries(
    {
        "day": days,
        "distance": st.sampled_from([3000.0, 5000.0, 10000.0, 21100.0]),
        "moving_time": st.integers(700, 7200),
        "average_hr": st.one_of(st.none(), st.sampled_from([120.0, 150.0, 172.0, 185.0])),
        "sport_type": st.sampled_from(["Run", "Run", "TrailRun", "Ride"]),
    }
)
edits = st.one_of(
    st.tuples(st.just("distance"), st.sampled_from([4000.0, 12000.0])),
    st.tuples(st.just("moving_time"), st.integers(600, 9000)),
    st.tuples(st.just("average_hr"), st.one_of(st.none(), st.sampled_from([140.0, 178.0]))),
    st.tuples(st.just("day"), days),
    st.tuples(st.just("workout_type"), st.sampled_from([None, "race", "race"])),
    st.tuples(st.just("excluded"), st.booleans()),
)
profiles = st.fixed_dictionaries(
    {
        "max_hr": st.one_of(st.none(), st.sampled_from([180, 195])),
        "rest_hr": st.one_of(st.none(), st.sampled_from([45, 60])),
    }
)
which = st.integers(0, 1000)  # a run among the runner's, by position
step = st.one_of(
    st.tuples(st.just("add"), runs),
    st.tuples(st.just("edit"), st.tuples(which, edits)),
    st.tuples(st.just("edit"), st.tuples(which, st.just(("workout_type", "race")))),
    st.tuples(st.just("delete"), which),
    st.tuples(st.just("resync"), st.tuples(which, st.integers(700, 7200))),
    st.tuples(st.just("merge"), st.tuples(which, which)),
    st.tuples(st.just("profile"), profiles),
)


def _item(run: dict[str, Any]) -> dict[str, Any]:
    fields = {k: v for k, v in run.items() if k != "day"}
    pace = run["moving_time"] / run["distance"]  # seconds a metre
    efforts = [
        {"distance": d, "elapsed_time": round(d * pace * 0.97)}
        for d in (1609, 5000, 10000)
        if d <= run["distance"]
    ]
    return {
        "source": "strava",
        "external_id": f"v{next(_ids)}",
        "start_time": START + timedelta(days=run["day"]),
        "elapsed_time": run["moving_time"] + 60,
        "best_efforts": efforts,
        **fields,
    }


def _again(run: Run, moving_time: int) -> dict[str, Any]:
    """The run as its source sends it again with another moving time (a sync's update)."""
    item = _item(
        {
            "day": (run.start_time.replace(tzinfo=UTC) - START).days,
            "distance": run.distance,
            "moving_time": moving_time,
            "average_hr": run.average_hr,
            "sport_type": run.sport_type,
        }
    )
    return {**item, "external_id": run.external_id}


def _apply(session: Any, runner: int, kind: str, value: Any) -> None:
    mine = list(session.scalars(select(Run).where(Run.runner_id == runner).order_by(Run.id)))
    if kind == "add":
        upsert_runs(session, runner, [_item(value)])
    elif kind == "profile":
        users.update_user(session, users.get_user(session, runner), value)
    elif not mine:
        return
    elif kind == "edit":
        position, (field, new) = value
        run = mine[position % len(mine)]
        change = {"start_time": START + timedelta(days=new)} if field == "day" else {field: new}
        if field == "moving_time":
            change["elapsed_time"] = new + 60
        service.update_run(session, run, change)
    elif kind == "delete":
        service.delete_run(session, mine[value % len(mine)])
    elif kind == "resync":
        position, moving = value
        upsert_runs(session, runner, [_again(mine[position % len(mine)], moving)])
    elif kind == "merge":
        first, second = mine[value[0] % len(mine)], mine[value[1] % len(mine)]
        if first.id != second.id:
            merges.merge_by_hand(session, first, second.id)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(profile=profiles, steps=st.lists(step, min_size=1, max_size=10))
def test_stored_vdots_equal_a_recomputation_after_any_changes(app, profile, steps) -> None:
    database = app.extensions["runnerly.db"]
    with database.transaction() as session:
        runner = users.create_user(session, {"email": f"v{next(_ids)}@example.org", **profile}).id
    for kind, value in steps:
        with database.transaction() as session:
            _apply(session, runner, kind, value)
        with database.sessionmaker() as session:
            stored, fresh = kept.stored(session, runner), kept.compute(session, runner)
            assert stored.keys() == fresh.keys(), (kind, value)
            for run_id, values in fresh.items():
                assert kept.same(stored[run_id], values), (kind, value, run_id)


def test_a_race_that_moves_the_factor_rewrites_every_run(app) -> None:
    """An easy run's VDOT follows the correction factor a later race sets, and goes back
    when the race is no longer one: the refresher does not keep the unchanged run's row."""
    database = app.extensions["runnerly.db"]
    with database.transaction() as session:
        runner = users.create_user(session, {"email": f"v{next(_ids)}@example.org"}).id
        users.update_user(session, users.get_user(session, runner), {"max_hr": 190})
    easy = {"day": 1, "distance": 10000.0, "moving_time": 3300, "average_hr": 140.0}
    race = {"day": 5, "distance": 10000.0, "moving_time": 2400, "average_hr": 178.0}
    with database.transaction() as session:
        upsert_runs(session, runner, [_item({**easy, "sport_type": "Run"})])
    with database.sessionmaker() as session:
        (before,) = kept.stored(session, runner).values()
    with database.transaction() as session:
        upsert_runs(session, runner, [_item({**race, "sport_type": "Run"})])
    with database.transaction() as session:  # a sync does not mark races: its runner does
        the_race = session.scalars(
            select(Run).where(Run.runner_id == runner, Run.moving_time == race["moving_time"])
        ).one()
        service.update_run(session, the_race, {"workout_type": "race"})
    with database.transaction() as session:  # the race synced again, slower: a lower factor
        the_race = session.scalars(select(Run).where(Run.workout_type == "race")).one()
        upsert_runs(session, runner, [_again(the_race, 2280)])
    with database.sessionmaker() as session:
        after = kept.stored(session, runner)
        assert all(kept.same(after[k], v) for k, v in kept.compute(session, runner).items())
    with database.transaction() as session:
        upsert_runs(session, runner, [_again(the_race, race["moving_time"])])
    with database.sessionmaker() as session:
        rows = kept.stored(session, runner)
        easy_row = next(r for r in rows.values() if r["day"] == before["day"])
        assert not kept.same(easy_row, next(r for r in after.values() if r["day"] == before["day"]))
        assert easy_row["factor"] != 1.0
        assert easy_row["vdot"] != before["vdot"]
        assert all(kept.same(rows[k], v) for k, v in kept.compute(session, runner).items())
    with database.transaction() as session:
        the_race = session.scalars(
            select(Run).where(Run.runner_id == runner, Run.workout_type == "race")
        ).one()
        service.update_run(session, the_race, {"workout_type": None})
    with database.sessionmaker() as session:
        rows = kept.stored(session, runner)
        easy_row = next(r for r in rows.values() if r["day"] == before["day"])
        assert kept.same(easy_row, before)
