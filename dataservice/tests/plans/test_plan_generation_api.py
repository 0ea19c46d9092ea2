"""Generating a plan toward a race over HTTP: defaults from the runner's own runs."""

from __future__ import annotations

import datetime as dt

import pytest


def generate_url(runner: int, race: int) -> str:
    return f"/api/v1/users/{runner}/races/{race}/plan"


def fields_named(response) -> list[str]:
    return [e["field"] for e in response.json.get("errors", [])]


def all_sessions(plan: dict) -> list[dict]:
    return [s for week in plan["weeks"] for s in week["sessions"]]


@pytest.fixture
def half(runner, make_race, today, this_monday):
    """A half marathon on the Sunday of the 20th week from this Monday, goal 1:45:00."""
    race_day = this_monday + dt.timedelta(weeks=19, days=6)
    return make_race(
        runner, days=(race_day - today).days, name="City Half", distance=21097, goal_time=6300
    )


class TestGeneratePlan:
    def test_it_stores_a_plan_toward_the_race_ending_with_the_race(
        self, client, token, runner, half, stored
    ):
        r = client.post(generate_url(runner, half), headers=token(runner=runner))
        assert r.status_code == 201, r.json
        plan = r.json
        assert plan["inputs"] == {
            "weeks": 12,
            "runs_per_week": 4,
            "weekly_distance": 25000,  # no runs yet: a beginner's volume for a half
            "long_run_day": "sunday",
            "profile": "half",
            # no recent effort: the VDOT of the goal (1:45:00), Daniels' paces from it
            "vdot": 42.6,
            "vdot_source": "goal_time",
            "vdot_effort": None,
            "paces": {"E": 349.0, "M": 310.0, "T": 290.0, "I": 267.0, "R": 252.0},
        }
        assert (plan["name"], plan["race_id"], len(plan["weeks"])) == (
            "City Half: 12-week plan",
            half,
            12,
        )
        sessions = all_sessions(plan)
        assert sessions[-1]["kind"] == "race" and sessions[-1]["date"] == plan["end_date"]
        assert sessions[-1]["target_pace"] == round(6300 / 21.097)
        assert sessions[-2]["kind"] == "rest"
        assert (
            max(s["distance"] for s in sessions if s["kind"] == "long") == 19000
        )  # the half's peak
        assert all(plan["start_date"] <= s["date"] <= plan["end_date"] for s in sessions)
        assert len(stored()["plan_sessions"]) == len(sessions)
        read = client.get(
            f"/api/v1/users/{runner}/plans/{plan['id']}", headers=token(runner=runner)
        )
        assert read.json == {k: v for k, v in plan.items() if k != "inputs"}

    def test_it_starts_from_the_runners_average_over_the_last_4_weeks(
        self, client, token, runner, half, add_run, this_monday
    ):
        for week in range(1, 5):
            start = dt.datetime.combine(this_monday, dt.time(7), tzinfo=dt.UTC)
            add_run(runner, start - dt.timedelta(weeks=week), 8000 * week)  # 80 km in 4 weeks
        old = dt.datetime.combine(this_monday, dt.time(7), tzinfo=dt.UTC) - dt.timedelta(weeks=5)
        add_run(runner, old, 50000)  # five weeks ago: not recent
        add_run(runner, old + dt.timedelta(weeks=3), 40000, sport="Ride")  # not a run
        r = client.post(generate_url(runner, half), headers=token(runner=runner))
        assert r.json["inputs"]["weekly_distance"] == 20000
        assert r.json["weeks"][0]["planned_distance"] == 20000

    def test_it_follows_the_runners_choices(self, client, token, runner, half):
        body = {
            "weeks": 6,
            "runs_per_week": 5,
            "weekly_distance": 42000,
            "long_run_day": "saturday",
            "name": "Short block",
        }
        r = client.post(generate_url(runner, half), json=body, headers=token(runner=runner))
        assert r.status_code == 201, r.json
        assert r.json["name"] == "Short block" and len(r.json["weeks"]) == 6
        assert r.json["weeks"][0]["planned_distance"] == 42000
        longs = [s for s in all_sessions(r.json) if s["kind"] == "long"]
        assert {dt.date.fromisoformat(s["date"]).weekday() for s in longs} == {5}
        first_week = r.json["weeks"][0]["sessions"]
        assert len(first_week) == 5
        assert {s["kind"] for s in first_week} == {"easy", "long"}  # base: no speed yet
        build_week = r.json["weeks"][2]["sessions"]
        assert len(build_week) == 5
        assert {s["kind"] for s in build_week} == {"tempo", "intervals", "easy", "long"}

    def test_without_recent_efforts_paces_come_from_the_goals_vdot(
        self, client, token, runner, half
    ):
        r = client.post(
            generate_url(runner, half), json={"runs_per_week": 5}, headers=token(runner=runner)
        )
        paces = {s["kind"]: s["target_pace"] for s in all_sessions(r.json)}
        goal = round(6300 / 21.097)
        daniels = r.json["inputs"]["paces"]
        assert (paces["intervals"], paces["tempo"], paces["long"]) == (
            daniels["I"],
            daniels["T"],
            daniels["E"],
        )
        assert paces["intervals"] < paces["tempo"] < goal < paces["long"] == paces["easy"]

    def test_without_a_goal_time_it_sets_no_target_pace(
        self, client, token, runner, make_race, this_monday, today
    ):
        race = make_race(runner, days=(this_monday + dt.timedelta(weeks=9) - today).days)
        r = client.post(generate_url(runner, race), headers=token(runner=runner))
        assert r.status_code == 201 and r.json["inputs"]["profile"] == "10k"
        assert {s["target_pace"] for s in all_sessions(r.json)} == {None}

    def test_it_fits_the_default_length_into_the_weeks_left(
        self, client, token, runner, make_race, this_monday, today
    ):
        race_day = this_monday + dt.timedelta(weeks=6, days=5)  # a marathon in 7 weeks
        race = make_race(runner, days=(race_day - today).days, distance=42195)
        r = client.post(generate_url(runner, race), headers=token(runner=runner))
        assert r.status_code == 201, r.json
        assert r.json["inputs"]["weeks"] == 7
        assert r.json["start_date"] == this_monday.isoformat()

    def test_a_race_fewer_than_4_weeks_away_is_422_naming_the_race_and_stores_nothing(
        self, client, token, runner, make_race, stored
    ):
        race = make_race(runner, days=10)
        past = make_race(runner, days=-30)
        before = stored()
        for race_id in (race, past):
            r = client.post(generate_url(runner, race_id), headers=token(runner=runner))
            assert r.status_code == 422, r.json
            assert fields_named(r) == ["path.race_id"]
        assert stored() == before

    def test_a_race_too_close_is_refused_in_words_a_runner_reads(
        self, client, token, runner, make_race, today, this_monday
    ):
        # The dashboard shows this message as it is (dates in the runner's format): no
        # field path, no race id, and what to do instead.
        race_day = this_monday + dt.timedelta(weeks=2, days=6)  # Sunday of the 3rd week
        race = make_race(runner, days=(race_day - today).days)
        r = client.post(generate_url(runner, race), headers=token(runner=runner))
        assert r.status_code == 422, r.json
        assert r.json["errors"] == [
            {
                "field": "path.race_id",
                "message": f"Your race on {race_day.isoformat()} is 3 weeks away, this week and"
                " race week included; a generated plan needs at least 4 weeks."
                " Choose a later race.",
            }
        ]
        past = make_race(runner, days=-30)
        r = client.post(generate_url(runner, past), headers=token(runner=runner))
        message = r.json["errors"][0]["message"]
        assert message.startswith("Your race on ") and " is over: " in message
        assert f"race {past}" not in message

    def test_more_weeks_than_are_left_is_422_naming_weeks(
        self, client, token, runner, half, stored
    ):
        before = stored()
        r = client.post(
            generate_url(runner, half), json={"weeks": 25}, headers=token(runner=runner)
        )
        assert r.status_code == 422 and fields_named(r) == ["body.weeks"]
        assert r.json["errors"][0]["message"].endswith(
            "away, this week and race week included: choose at most 20 weeks."
        )
        assert stored() == before

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"weeks": 3}, "body.weeks"),
            ({"weeks": 31}, "body.weeks"),
            ({"weeks": "ten"}, "body.weeks"),
            ({"runs_per_week": 2}, "body.runs_per_week"),
            ({"runs_per_week": 8}, "body.runs_per_week"),
            ({"weekly_distance": -1000}, "body.weekly_distance"),
            ({"weekly_distance": 300001}, "body.weekly_distance"),
            ({"long_run_day": "funday"}, "body.long_run_day"),
            ({"long_run_day": 6}, "body.long_run_day"),
            ({"name": ""}, "body.name"),
            ({"taper": 2}, "body.taper"),
        ],
    )
    def test_it_refuses_bad_input_naming_the_field_and_stores_nothing(
        self, client, token, runner, half, stored, body, field
    ):
        before = stored()
        r = client.post(generate_url(runner, half), json=body, headers=token(runner=runner))
        assert r.status_code == 400, r.json
        assert set(fields_named(r)) == {field}
        assert stored() == before

    def test_another_runners_race_is_404_and_nothing_is_generated(
        self, client, token, runner, other_runner, half, stored
    ):
        before = stored()
        theirs = client.post(generate_url(other_runner, half), headers=token(runner=other_runner))
        mine = client.post(generate_url(runner, half), headers=token(runner=other_runner))
        assert (theirs.status_code, mine.status_code) == (404, 404)
        assert theirs.json["message"] == f"race {half} not found"
        assert mine.json["message"] == f"runner {runner} not found"
        assert stored() == before
