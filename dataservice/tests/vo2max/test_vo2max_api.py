"""The VDOT endpoints as a runner reads them, and run VDOTs kept on write: the same as
computed from scratch after any sequence of adds, edits, deletes and profile changes."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from dataservice.runs.bulk import upsert_runs
from dataservice.runs.models import Run
from dataservice.runs.service import delete_run, update_run
from dataservice.users.models import User
from dataservice.users.service import update_user
from dataservice.vo2max import kept

_ids = itertools.count(1)


def recent(days_ago: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days_ago)).replace(microsecond=0).isoformat()


def get(client, token, runner, path):
    response = client.get(f"/api/v1/users/{runner}{path}", headers=token(runner=runner))
    assert response.status_code == 200, response.json
    return response.json


def test_a_20_minute_5k_gives_vdot_49_8_and_daniels_predictions(
    client, token, runner, add_runs, run
):
    add_runs(runner, run(recent(3), 5, 1200, sport_type="Run"))
    trend = get(client, token, runner, "/vo2max/trend?period=week")
    assert trend["current"]["vdot"] == pytest.approx(49.8, abs=0.05)
    answer = get(client, token, runner, "/vo2max/predictions")
    assert answer["vdot"] == pytest.approx(49.8, abs=0.05)
    by_label = {p["label"]: p for p in answer["predictions"]}
    assert by_label["5 km"]["vdot_time"] == pytest.approx(1200, abs=2)
    assert by_label["10 km"]["riegel_time"] == pytest.approx(2502, abs=1)
    assert answer["riegel_from"]["distance"] == 5000
    assert answer["next_race"] is None


def test_the_next_race_gets_its_predicted_times(client, token, runner, add_runs, run):
    add_runs(runner, run(recent(3), 10, 41 * 60 + 20, sport_type="Run"))
    day = (date.today() + timedelta(days=30)).isoformat()
    made = client.post(
        f"/api/v1/users/{runner}/races",
        json={"name": "City Marathon", "date": day, "distance": 42195},
        headers=token(runner=runner),
    )
    assert made.status_code == 201, made.json
    race = get(client, token, runner, "/vo2max/predictions")["next_race"]
    assert race["name"] == "City Marathon"
    # VDOT 50 in Daniels' table: a 3:10:49 marathon
    assert race["vdot_time"] == pytest.approx(11449, abs=30)


def test_heart_rate_replaces_the_pace_of_an_easy_run(client, token, runner, add_runs, run):
    client.patch(
        f"/api/v1/users/{runner}", json={"max_hr": 190, "rest_hr": 50}, headers=token(runner=runner)
    )
    add_runs(runner, run(recent(2), 10, 3600, sport_type="Run", average_hr=140))
    runs = client.get(f"/api/v1/users/{runner}/runs", headers=token(runner=runner)).json
    run_id = runs["items"][0]["id"]
    answer = get(client, token, runner, f"/runs/{run_id}/fitness")
    assert answer["vdot"]["method"] == "heart_rate"
    assert answer["vdot"]["vdot"] > answer["vdot"]["by_time"]
    assert answer["heart_rate_zones"]["missing"] == "heart_rate"
    assert answer["heart_rate_zones"]["zones"][1]["from_bpm"] == 120


def test_marathon_readiness_shows_its_inputs(client, token, runner, add_runs, run):
    add_runs(runner, *(run(recent(d), 10, 3000, sport_type="Run") for d in range(1, 60, 3)))
    add_runs(runner, run(recent(5), 30, 3 * 3600, sport_type="Run"))
    shape = get(client, token, runner, "/vo2max/readiness")["shape"]
    assert 0 < shape["percentage"] <= 100
    assert shape["week"]["target_km_per_week"] == pytest.approx(shape["vdot"] ** 1.135, abs=0.2)
    assert [r["km"] for r in shape["long_runs"]["runs"]] == [30]


def test_without_runs_nothing_is_made_up(client, token, runner):
    assert get(client, token, runner, "/vo2max/readiness")["shape"] is None
    answer = get(client, token, runner, "/vo2max/predictions")
    assert all(p["vdot_time"] is None and p["riegel_time"] is None for p in answer["predictions"])
    zones = get(client, token, runner, "/heart-rate-zones")
    assert zones["missing"] == "profile"


def test_weekly_zones_from_a_stream(client, token, runner, add_runs, run):
    client.patch(
        f"/api/v1/users/{runner}", json={"max_hr": 190, "rest_hr": 50}, headers=token(runner=runner)
    )
    add_runs(runner, run(recent(1), 1, 400, sport_type="Run", average_hr=150))
    run_row = client.get(f"/api/v1/users/{runner}/runs", headers=token(runner=runner)).json
    external = run_row["items"][0]["external_id"]
    body = {
        "streams": {
            "time": [0, 100, 200, 400],
            "distance": [0, 250, 500, 1000],
            "heartrate": [110, 130, 170, 180],
        }
    }
    stored = client.put(
        f"/api/v1/users/{runner}/strava/streams/{external}",
        json=body,
        headers=token(client="strava-worker", scope="runs:write"),
    )
    assert stored.status_code == 200, stored.json
    weeks = get(client, token, runner, "/heart-rate-zones")["weeks"]
    assert sum(sum(w["seconds"]) for w in weeks) == 400
    assert sum(w["runs_with_hr"] for w in weeks) == 1
    fitness = get(client, token, runner, f"/runs/{run_row['items'][0]['id']}/fitness")
    assert [z["seconds"] for z in fitness["heart_rate_zones"]["zones"]] == [100, 100, 0, 0, 200, 0]


def test_bad_input_and_another_runner(client, token, runner, other_runner):
    response = client.get(
        f"/api/v1/users/{runner}/vo2max/trend?from=2026-01-02&to=2026-01-01",
        headers=token(runner=runner),
    )
    assert response.status_code == 400 and response.json["errors"][0]["field"] == "query.from"
    response = client.get(
        f"/api/v1/users/{runner}/vo2max/trend?from=2020-01-01&to=2026-01-01",
        headers=token(runner=runner),
    )
    assert response.status_code == 400
    for path in ("/vo2max/trend", "/vo2max/predictions", "/vo2max/readiness", "/heart-rate-zones"):
        response = client.get(f"/api/v1/users/{other_runner}{path}", headers=token(runner=runner))
        assert response.status_code == 404


distances = st.sampled_from([3000.0, 5000.0, 10000.0, 21100.0])
step = st.one_of(
    st.tuples(
        st.just("add"),
        st.tuples(
            distances,
            st.integers(900, 9000),
            st.one_of(st.none(), st.integers(100, 185)),
            st.sampled_from([None, "race"]),
        ),
    ),
    st.tuples(st.just("edit"), st.tuples(st.integers(0, 5), distances)),
    st.tuples(st.just("race"), st.tuples(st.integers(0, 5), st.sampled_from([None, "race"]))),
    st.tuples(st.just("exclude"), st.tuples(st.integers(0, 5), st.booleans())),
    st.tuples(st.just("delete"), st.integers(0, 5)),
    st.tuples(st.just("profile"), st.one_of(st.none(), st.integers(170, 200))),
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(step, min_size=1, max_size=10))
def test_kept_run_vdots_equal_a_fresh_computation_after_any_changes(app, runner, steps):
    database = app.extensions["runnerly.db"]
    for kind, value in steps:
        with database.transaction() as session:
            runs = list(
                session.scalars(select(Run).where(Run.runner_id == runner).order_by(Run.id))
            )
            if kind == "add":
                distance, moving, hr, workout = value
                n = next(_ids)
                upsert_runs(
                    session,
                    runner,
                    [
                        {
                            "source": "strava",
                            "external_id": f"v{n}",
                            "title": "Run",
                            "start_time": datetime.now(UTC) - timedelta(days=n % 40),
                            "distance": distance,
                            "moving_time": moving,
                            "elapsed_time": moving + 30,
                            "sport_type": "Run",
                            "average_hr": hr,
                        }
                    ],
                )
                if workout:
                    new = session.scalar(select(Run).where(Run.external_id == f"v{n}"))
                    update_run(session, new, {"workout_type": workout})
            elif kind == "profile":
                update_user(session, session.get(User, runner), {"max_hr": value})
            elif runs:
                target = runs[(value[0] if isinstance(value, tuple) else value) % len(runs)]
                if kind == "edit":
                    update_run(session, target, {"distance": value[1]})
                elif kind == "race":
                    update_run(session, target, {"workout_type": value[1]})
                elif kind == "exclude":
                    update_run(session, target, {"excluded": value[1]})
                else:
                    delete_run(session, target)
        with database.transaction() as session:
            stored, fresh = kept.stored(session, runner), kept.compute(session, runner)
            assert stored.keys() == fresh.keys()
            assert all(kept.same(stored[r], fresh[r]) for r in fresh)


def test_migrate_stores_the_run_vdots_a_database_lacks(database_url, db, runner, add_runs, run):
    from click.testing import CliRunner
    from sqlalchemy import delete, func

    from dataservice.cli import main as dataservice_cli
    from dataservice.vo2max.models import RunVdot

    add_runs(runner, run("2026-03-01T07:00:00Z", 5.0, 1200), run("2026-03-03T07:00:00Z", 10, 2600))
    db.execute(delete(RunVdot))  # as a database from before revision 0018
    db.commit()
    env = {"DATASERVICE_DATABASE_URL": database_url}
    migrated = CliRunner().invoke(dataservice_cli, ["migrate"], env=env)
    assert migrated.exit_code == 0, migrated.output
    assert '"vdots_stored": 1' in migrated.output
    assert db.scalar(select(func.count()).select_from(RunVdot)) == 2
    # (the teardown check compares every stored row with a fresh one)


def test_without_heart_rate_the_trend_is_the_best_vdot_of_30_days(app, runner, add_runs, run):
    from dataservice.plans.vdot import vdot as daniels
    from dataservice.vo2max import trend

    add_runs(
        runner,
        run("2026-03-31T07:00:00Z", 5, 1200, sport_type="Run"),  # VDOT 49.8, 20 min
        run("2026-03-21T07:00:00Z", 10, 2480, sport_type="Run"),  # VDOT 50.0, 41:20
        run("2026-03-01T07:00:00Z", 5, 1500, sport_type="Run"),  # 30 days before the 31st
    )
    with app.extensions["runnerly.db"].sessionmaker() as session:
        days = {
            d: (v, n)
            for d, v, n in trend.daily(session, runner, date(2026, 2, 25), date(2026, 4, 30))
        }
    fast, ten, slow = daniels(5000, 1200), daniels(10000, 2480), daniels(5000, 1500)
    assert days[date(2026, 2, 28)] == (None, 0)
    assert days[date(2026, 3, 20)] == (pytest.approx(slow), 1)
    assert days[date(2026, 3, 30)] == (pytest.approx(ten), 2)
    assert days[date(2026, 3, 31)] == (pytest.approx(ten), 2)  # the 1st left the window
    assert days[date(2026, 4, 19)] == (pytest.approx(ten), 2)
    assert days[date(2026, 4, 20)] == (pytest.approx(fast), 1)  # the 41:20 left the window
    assert days[date(2026, 4, 29)] == (pytest.approx(fast), 1)
    assert days[date(2026, 4, 30)] == (None, 0)


def test_with_heart_rate_the_trend_is_their_30_day_mean_weighted_by_duration(
    app, client, token, runner, add_runs, run
):
    from dataservice.vo2max import estimate, trend

    client.patch(f"/api/v1/users/{runner}", json={"max_hr": 190}, headers=token(runner=runner))
    add_runs(
        runner,
        run("2026-03-31T07:00:00Z", 10, 3600, sport_type="Run", average_hr=140),
        run("2026-03-21T07:00:00Z", 8, 2400, sport_type="Run", average_hr=160),
        # A fast run without heart rate: the heart-rate runs say the trend, not its effort.
        run("2026-03-25T07:00:00Z", 5, 1080, sport_type="Run"),
    )
    with app.extensions["runnerly.db"].sessionmaker() as session:
        days = {
            d: (v, n)
            for d, v, n in trend.daily(session, runner, date(2026, 3, 21), date(2026, 4, 30))
        }
    easy = estimate.by_heart_rate(10000, 3600, 140, 190)
    steady = estimate.by_heart_rate(8000, 2400, 160, 190)
    assert days[date(2026, 3, 31)] == (pytest.approx((easy * 3600 + steady * 2400) / 6000), 3)
    assert days[date(2026, 3, 24)] == (pytest.approx(steady), 1)
    assert days[date(2026, 4, 21)] == (pytest.approx(easy), 2)  # and the run without HR


@pytest.mark.parametrize(
    "query",
    [
        "/vo2max/trend?from=0001-01-01&to=0001-01-09",
        "/vo2max/trend?to=9999-12-31",
        "/heart-rate-zones?to=9999-12-31",
        "/heart-rate-zones?from=0001-01-01&to=0001-01-02",
    ],
)
def test_a_day_outside_the_range_is_400_naming_it(client, token, runner, query):
    response = client.get(f"/api/v1/users/{runner}{query}", headers=token(runner=runner))
    assert response.status_code == 400, response.json
    assert "between 1970-01-01 and 2100-12-31" in response.json["message"]


def test_riegel_starts_from_the_best_effort_of_the_last_12_weeks(
    client, token, runner, add_runs, run
):
    add_runs(
        runner,
        run(recent(3), 5, 1200, sport_type="Run"),  # VDOT 49.8
        run(recent(10), 10, 2700, sport_type="Run"),  # VDOT 45.2
        run(recent(100), 5, 1000, sport_type="Run"),  # faster, but 14 weeks ago
    )
    basis = get(client, token, runner, "/vo2max/predictions")["riegel_from"]
    assert (basis["distance"], basis["elapsed"]) == (5000, 1200)
    assert basis["vdot"] == pytest.approx(49.8, abs=0.05)
