"""Property: after any sequence of adds, edits (distance, time, heart rate, day,
exclusion), a sync sending a run again changed, heart-rate streams, merges, deletes and
profile changes, each in its own transaction, the stored days equal a recomputation from
scratch, and each stored run load the load its run gives now."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from dataservice.runs import merges, service, streams
from dataservice.runs.bulk import upsert_runs
from dataservice.runs.models import Run
from dataservice.training import kept
from dataservice.training.models import RunLoad
from dataservice.users import service as users

_ids = itertools.count(1)
START = datetime(2026, 3, 1, 7, tzinfo=UTC)

days = st.integers(0, 30)
runs = st.fixed_dictionaries(
    {
        "day": days,
        "distance": st.sampled_from([3000.0, 5000.0, 10000.0, 21100.0]),
        "moving_time": st.integers(900, 7200),
        "average_hr": st.one_of(st.none(), st.sampled_from([120.0, 145.0, 172.0])),
        "sport_type": st.sampled_from(["Run", "Run", "TrailRun", "Ride"]),
    }
)
edits = st.one_of(
    st.tuples(st.just("distance"), st.sampled_from([4000.0, 12000.0])),
    st.tuples(st.just("moving_time"), st.integers(600, 9000)),
    st.tuples(st.just("average_hr"), st.one_of(st.none(), st.just(160.0))),
    st.tuples(st.just("day"), days),
    st.tuples(st.just("excluded"), st.booleans()),
)
profiles = st.fixed_dictionaries(
    {
        "max_hr": st.one_of(st.none(), st.sampled_from([180, 195])),
        "rest_hr": st.one_of(st.none(), st.sampled_from([45, 60])),
        "threshold_pace": st.one_of(st.none(), st.sampled_from([230, 300])),
        "vo2max": st.one_of(st.none(), st.just(48.0)),
    }
)
which = st.integers(0, 1000)  # a run among the runner's, by position
step = st.one_of(
    st.tuples(st.just("add"), runs),
    st.tuples(st.just("edit"), st.tuples(which, edits)),
    st.tuples(st.just("delete"), which),
    st.tuples(st.just("sync"), st.tuples(which, runs)),
    st.tuples(st.just("stream"), st.tuples(which, st.sampled_from([130, 165]))),
    st.tuples(st.just("merge"), st.tuples(which, which)),
    st.tuples(st.just("profile"), profiles),
)


def _item(run: dict[str, Any]) -> dict[str, Any]:
    fields = {k: v for k, v in run.items() if k != "day"}
    return {
        "source": "strava",
        "external_id": f"k{next(_ids)}",
        "start_time": START + timedelta(days=run["day"]),
        "elapsed_time": run["moving_time"] + 60,
        **fields,
    }


def _stream(run: Run, rate: int) -> dict[str, list[Any]]:
    count = min(run.moving_time, 3000) // 10 + 1
    return {
        "time": [i * 10 for i in range(count)],
        "distance": [run.distance * i / (count - 1) for i in range(count)],
        "heartrate": [rate + (i % 7) for i in range(count)],
    }


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
    elif kind == "sync":  # the bulk upsert's update: its runs' former days are not read
        position, again = value
        run = mine[position % len(mine)]
        upsert_runs(session, runner, [{**_item(again), "external_id": run.external_id}])
    elif kind == "stream":
        position, rate = value
        run = mine[position % len(mine)]
        streams.store(session, run, _stream(run, rate))
    elif kind == "merge":
        first, second = mine[value[0] % len(mine)], mine[value[1] % len(mine)]
        if first.id != second.id:
            merges.merge_by_hand(session, first, second.id)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(profile=profiles, steps=st.lists(step, min_size=1, max_size=10))
def test_stored_days_equal_a_recomputation_after_any_changes(app, profile, steps) -> None:
    database = app.extensions["runnerly.db"]
    with database.transaction() as session:
        runner = users.create_user(session, {"email": f"p{next(_ids)}@example.org", **profile}).id
    for kind, value in steps:
        with database.transaction() as session:
            _apply(session, runner, kind, value)
        with database.sessionmaker() as session:
            assert kept.rounded(kept.stored_days(session, runner)) == kept.rounded(
                kept.compute(session, runner)
            ), (kind, value)
            profile_now = kept.Profile.of(users.get_user(session, runner))
            stored = {
                r.run_id: r.load for r in session.execute(select(RunLoad.run_id, RunLoad.load))
            }
            for row in kept._runs(session, runner):
                assert stored[row.id] == kept.run_load(session, row, profile_now)[0], (kind, value)
