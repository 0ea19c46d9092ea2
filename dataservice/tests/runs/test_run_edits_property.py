"""Property: whatever the order of a runner's edits and Strava's syncs, every field the
runner edited holds the runner's value, every other field the source's latest, a run sent
again unchanged is ``unchanged``, and an excluded run holds no best efforts."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from dataservice.runs.bulk import upsert_runs
from dataservice.runs.models import BestEffort, Run
from dataservice.runs.service import update_run

FIELDS = ("title", "distance", "moving_time", "sport_type")
_ids = itertools.count(1)

titles = st.sampled_from(["Morning Run", "Lunch Run", "Intervals", "Race day"])
distances = st.sampled_from([4990.0, 5000.0, 10000.0, 10600.0, 21100.0])
sports = st.sampled_from(["Run", "TrailRun", "Ride"])
source_content = st.fixed_dictionaries(
    {
        "title": titles,
        "distance": distances,
        "moving_time": st.integers(1200, 9000),
        "sport_type": sports,
    }
)
edit = st.one_of(
    st.tuples(st.just("title"), titles),
    st.tuples(st.just("distance"), distances),
    st.tuples(st.just("sport_type"), sports),
)
step = st.one_of(
    st.tuples(st.just("sync"), source_content),
    st.tuples(st.just("edit"), edit),
    st.tuples(st.just("exclude"), st.booleans()),
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(first=source_content, steps=st.lists(step, max_size=8))
def test_local_edits_and_syncs_meet_as_the_runner_expects(app, runner, first, steps) -> None:
    database = app.extensions["runnerly.db"]
    external_id = f"p{next(_ids)}"

    def item(content: dict[str, Any]) -> dict[str, Any]:
        return {
            "source": "strava",
            "external_id": external_id,
            "start_time": datetime(2026, 3, 1, 7, tzinfo=UTC),  # as validated
            "elapsed_time": 10000,
            **content,
        }

    source, local, excluded = dict(first), {}, False
    with database.transaction() as session:
        upsert_runs(session, runner, [item(first)])
    for kind, value in steps:
        with database.transaction() as session:
            run = session.scalar(select(Run).where(Run.external_id == external_id))
            shown = {f: local.get(f, source[f]) for f in FIELDS}
            if kind == "sync":
                result = upsert_runs(session, runner, [item(value)])
                assert result.unchanged == (1 if value == source else 0)
                source = dict(value)
            elif kind == "edit":
                field, new = value
                update_run(session, run, {field: new})
                if new != shown[field]:
                    local[field] = new
            else:
                update_run(session, run, {"excluded": value})
                excluded = value
        with database.transaction() as session:
            run = session.scalar(select(Run).where(Run.external_id == external_id))
            assert {f: getattr(run, f) for f in FIELDS} == {
                f: local.get(f, source[f]) for f in FIELDS
            }
            assert sorted(run.edited_fields) == sorted(local)
            efforts = session.scalar(
                select(func.count()).select_from(BestEffort).where(BestEffort.run_id == run.id)
            )
            if excluded or run.sport_type == "Ride":
                assert efforts == 0
