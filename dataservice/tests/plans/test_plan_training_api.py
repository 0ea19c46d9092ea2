"""Training with a plan over HTTP: paces from the runner's own efforts, one plan per race
(generating again replaces it), sessions moved, changed and skipped, each matched to the
run that did it, and the next session for the dashboard."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask

from dataservice.runs.service import create_manual_run


def plans_url(runner: int, plan: int | None = None) -> str:
    return f"/api/v1/users/{runner}/plans" + (f"/{plan}" if plan else "")


def generate_url(runner: int, race: int) -> str:
    return f"/api/v1/users/{runner}/races/{race}/plan"


def session_url(runner: int, plan: int, item: int) -> str:
    return f"{plans_url(runner, plan)}/sessions/{item}"


def fields_named(response) -> list[str]:
    return [e["field"] for e in response.json.get("errors", [])]


def all_sessions(plan: dict) -> list[dict]:
    return [s for week in plan["weeks"] for s in week["sessions"]]


@pytest.fixture
def run_at(app: Flask, this_monday):
    """``run_at(runner, day, metres, seconds)``: a run at 07:00 UTC ``day`` days after
    this Monday, done in ``seconds``."""

    def create(runner_id: int, day: int, distance: float, seconds: int | None = None) -> int:
        start = dt.datetime.combine(this_monday, dt.time(7), tzinfo=dt.UTC)
        seconds = seconds or int(distance * 0.36)
        data = {
            "start_time": start + dt.timedelta(days=day),
            "distance": distance,
            "moving_time": seconds,
            "elapsed_time": seconds,
            "sport_type": "Run",
        }
        with app.extensions["runnerly.db"].transaction() as session:
            return create_manual_run(session, runner_id, data).id

    return create


class TestPacesFromTheRunnersEfforts:
    def test_a_recent_5k_in_20_minutes_gives_vdot_49_8_and_daniels_paces(
        self, client, token, runner, race, run_at
    ):
        recent = run_at(runner, -10, 5000, 20 * 60)
        run_at(runner, -7 * 13, 5000, 18 * 60)  # faster, but 13 weeks ago: not current
        r = client.post(generate_url(runner, race), headers=token(runner=runner))
        assert r.status_code == 201, r.json
        inputs = r.json["inputs"]
        assert (inputs["vdot"], inputs["vdot_source"]) == (49.8, "best_effort")
        assert (inputs["vdot_effort"]["run_id"], inputs["vdot_effort"]["distance"]) == (
            recent,
            5000,
        )
        assert inputs["paces"]["T"] == 4 * 60 + 16  # Daniels, VDOT 50: 4:15/km
        assert inputs["paces"]["I"] == 3 * 60 + 56  # Daniels, VDOT 50: 3:55/km
        sessions = all_sessions(r.json)
        intervals = next(s for s in sessions if s["kind"] == "intervals")
        assert intervals["target_pace"] == inputs["paces"]["I"]
        assert "at I pace at 3:56/km" in intervals["notes"]

    def test_a_vdot_the_runner_gives_wins(self, client, token, runner, race, run_at):
        run_at(runner, -10, 5000, 20 * 60)
        r = client.post(generate_url(runner, race), json={"vdot": 60}, headers=token(runner=runner))
        assert (r.json["inputs"]["vdot"], r.json["inputs"]["vdot_source"]) == (60, "given")
        assert r.json["inputs"]["paces"]["T"] == 220  # 3:40/km

    @pytest.mark.parametrize("vdot", [19, 91, "fast"])
    def test_a_vdot_out_of_range_is_400_naming_it(self, client, token, runner, race, vdot):
        r = client.post(
            generate_url(runner, race), json={"vdot": vdot}, headers=token(runner=runner)
        )
        assert r.status_code == 400 and fields_named(r) == ["body.vdot"]


class TestOnePlanPerRace:
    def test_generating_again_replaces_the_plan_instead_of_adding_one(
        self, client, token, runner, race, stored
    ):
        first = client.post(generate_url(runner, race), headers=token(runner=runner))
        again = client.post(
            generate_url(runner, race), json={"runs_per_week": 3}, headers=token(runner=runner)
        )
        assert (first.status_code, again.status_code) == (201, 200)
        assert again.json["id"] == first.json["id"]
        listed = client.get(plans_url(runner), headers=token(runner=runner)).json
        assert [p["id"] for p in listed["items"]] == [first.json["id"]]
        assert len(stored()["plan_sessions"]) == len(all_sessions(again.json))
        assert len(all_sessions(again.json)) < len(all_sessions(first.json))

    def test_writing_a_second_plan_for_a_race_is_409_naming_the_race(
        self, client, token, runner, race, plan_body, on, stored
    ):
        plan = client.post(plans_url(runner), json=plan_body(on(1)), headers=token(runner=runner))
        before = stored()
        r = client.post(plans_url(runner), json=plan_body(on(2)), headers=token(runner=runner))
        assert r.status_code == 409 and fields_named(r) == ["body.race_id"]
        assert f"already has a plan ({plan.json['id']})" in r.json["message"]
        assert stored() == before

    def test_moving_a_plan_to_a_race_that_has_one_is_409(
        self, client, token, runner, race, make_race, plan_body, on
    ):
        other = make_race(runner, days=60)
        client.post(plans_url(runner), json=plan_body(on(1)), headers=token(runner=runner))
        mine = client.post(
            plans_url(runner), json=plan_body(on(1), race_id=other), headers=token(runner=runner)
        ).json
        r = client.patch(
            plans_url(runner, mine["id"]), json={"race_id": race}, headers=token(runner=runner)
        )
        assert r.status_code == 409 and fields_named(r) == ["body.race_id"]


@pytest.fixture
def written(client, token, runner, plan_body, on):
    """A plan of easy 5 km on day 1, a long 15 km on day 6, the race on race day."""
    body = plan_body(on(1), on(6, "long", 15000), on(34, "race", 10000))
    r = client.post(plans_url(runner), json=body, headers=token(runner=runner))
    assert r.status_code == 201, r.json
    return r.json


class TestChangingOneSession:
    def test_moving_a_session_keeps_the_day_it_was_planned_on(
        self, client, token, runner, written, this_monday
    ):
        easy = all_sessions(written)[0]
        day = (this_monday + dt.timedelta(days=2)).isoformat()
        r = client.patch(
            session_url(runner, written["id"], easy["id"]),
            json={"date": day},
            headers=token(runner=runner),
        )
        assert r.status_code == 200, r.json
        moved = next(s for s in all_sessions(r.json) if s["id"] == easy["id"])
        assert (moved["date"], moved["moved_from"], moved["edited"]) == (day, easy["date"], False)
        back = client.patch(
            session_url(runner, written["id"], easy["id"]),
            json={"date": easy["date"]},
            headers=token(runner=runner),
        )
        assert (
            next(s for s in all_sessions(back.json) if s["id"] == easy["id"])["moved_from"] is None
        )

    def test_changing_and_skipping_a_session_shows_on_the_plan(
        self, client, token, runner, written
    ):
        long = all_sessions(written)[1]
        url = session_url(runner, written["id"], long["id"])
        r = client.patch(
            url,
            json={"distance": 12000, "target_pace": 330, "notes": "Hilly"},
            headers=token(runner=runner),
        )
        changed = next(s for s in all_sessions(r.json) if s["id"] == long["id"])
        assert (changed["distance"], changed["target_pace"], changed["notes"]) == (
            12000,
            330,
            "Hilly",
        )
        assert changed["edited"] is True and r.json["weeks"][0]["planned_distance"] == 17000
        r = client.patch(url, json={"skipped": True}, headers=token(runner=runner))
        skipped = next(s for s in all_sessions(r.json) if s["id"] == long["id"])
        assert (skipped["skipped"], skipped["status"]) == (True, "skipped")

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"date": "2000-01-03"}, "body.date"),
            ({"kind": "rest"}, "body.distance"),
            ({"distance": None}, "body.distance"),
            ({"distance": -5}, "body.distance"),
            ({"skipped": "yes"}, "body.skipped"),
            ({"colour": "red"}, "body.colour"),
        ],
    )
    def test_a_change_that_breaks_the_plans_rules_is_refused_naming_the_field(
        self, client, token, runner, written, stored, change, field
    ):
        easy = all_sessions(written)[0]
        before = stored()
        r = client.patch(
            session_url(runner, written["id"], easy["id"]),
            json=change,
            headers=token(runner=runner),
        )
        assert r.status_code == 400, r.json
        assert fields_named(r) == [field]
        assert stored() == before

    def test_the_race_stays_on_race_day(self, client, token, runner, written, this_monday):
        race = all_sessions(written)[-1]
        r = client.patch(
            session_url(runner, written["id"], race["id"]),
            json={"date": (this_monday + dt.timedelta(days=30)).isoformat()},
            headers=token(runner=runner),
        )
        assert r.status_code == 400 and fields_named(r) == ["body.date"]

    def test_a_session_of_another_plan_or_runner_is_404(
        self, client, token, runner, other_runner, written
    ):
        easy = all_sessions(written)[0]
        missing = client.patch(
            session_url(runner, written["id"], easy["id"] + 1000),
            json={"skipped": True},
            headers=token(runner=runner),
        )
        theirs = client.patch(
            session_url(other_runner, written["id"], easy["id"]),
            json={"skipped": True},
            headers=token(runner=other_runner),
        )
        assert (missing.status_code, theirs.status_code) == (404, 404)


class TestSessionsMatchedToRuns:
    def test_each_past_session_is_done_partly_done_or_missed_by_the_run_that_did_it(
        self, client, token, runner, make_race, this_monday, run_at, today
    ):
        race = make_race(runner, days=(this_monday + dt.timedelta(weeks=4, days=6) - today).days)
        start = this_monday - dt.timedelta(weeks=2)

        def on(day: int, kind: str = "easy", distance: float | None = 5000) -> dict:
            date = (start + dt.timedelta(days=day)).isoformat()
            return {"date": date, "kind": kind, "distance": distance}

        body = {
            "race_id": race,
            "start_date": start.isoformat(),
            "sessions": [
                on(0),  # done the same day
                on(2, "tempo", 8000),  # done the day after, a bit short: still done
                on(5, "long", 16000),  # a 9 km run the next day: partly done
                on(7),  # nothing: missed
                on(9, "long", 16000),  # a 5 km run that day is no long run: missed
                on(10, "rest", None),
                on(21),  # this Monday + 1 week: still to come
            ],
        }
        run_at(runner, -14, 5000)
        tempo_run = run_at(runner, -11, 7500)
        long_run = run_at(runner, -8, 9000)
        run_at(runner, -5, 5000, 1200)
        plan = client.post(plans_url(runner), json=body, headers=token(runner=runner))
        assert plan.status_code == 201, plan.json
        sessions = all_sessions(plan.json)
        assert [s["status"] for s in sessions] == [
            "done",
            "done",
            "partly_done",
            "missed",
            "missed",
            "planned",
            "planned",
        ]
        assert (sessions[1]["run"]["id"], sessions[2]["run"]["id"]) == (tempo_run, long_run)
        assert sessions[1]["run"]["date"] == (start + dt.timedelta(days=3)).isoformat()

    def test_a_deleted_run_undoes_its_session_at_once(
        self, client, token, runner, make_race, this_monday, run_at, today
    ):
        race = make_race(runner, days=(this_monday + dt.timedelta(weeks=4, days=6) - today).days)
        start = this_monday - dt.timedelta(weeks=1)
        body = {
            "race_id": race,
            "start_date": start.isoformat(),
            "sessions": [{"date": start.isoformat(), "kind": "easy", "distance": 5000}],
        }
        run = run_at(runner, -7, 5000)
        plan = client.post(plans_url(runner), json=body, headers=token(runner=runner)).json
        assert all_sessions(plan)[0]["status"] == "done"
        client.delete(f"/api/v1/users/{runner}/runs/{run}", headers=token(runner=runner))
        again = client.get(plans_url(runner, plan["id"]), headers=token(runner=runner)).json
        assert (all_sessions(again)[0]["status"], all_sessions(again)[0]["run"]) == ("missed", None)


class TestNextSession:
    def test_the_dashboard_gets_the_coming_race_and_the_next_session_to_do(
        self, client, token, runner, race, make_race, run_at, this_monday, today
    ):
        make_race(runner, days=200, name="Autumn marathon", distance=42195)
        url = f"/api/v1/users/{runner}/training/next"
        assert client.get(url, headers=token(runner=runner)).json["plan"] is None
        plan = client.post(generate_url(runner, race), headers=token(runner=runner)).json
        r = client.get(url, headers=token(runner=runner))
        assert r.status_code == 200, r.json
        assert r.json["race"]["id"] == race and r.json["plan"]["id"] == plan["id"]
        upcoming = [
            s for s in all_sessions(plan) if s["date"] >= today.isoformat() and s["kind"] != "rest"
        ]
        assert r.json["session"]["id"] == upcoming[0]["id"]
        if upcoming[0]["date"] == today.isoformat():  # done today: the next one is next
            run_at(runner, (today - this_monday).days, upcoming[0]["distance"])
            r = client.get(url, headers=token(runner=runner))
            assert r.json["session"]["id"] == upcoming[1]["id"]

    def test_without_a_coming_race_everything_is_null(self, client, token, runner, make_race):
        make_race(runner, days=-3)
        r = client.get(f"/api/v1/users/{runner}/training/next", headers=token(runner=runner))
        assert r.json == {"race": None, "plan": None, "session": None}


class TestTheRunnersCalendar:
    def test_a_run_after_midnight_in_paris_does_mondays_session(
        self, client, token, runner, make_race, this_monday, today, app
    ):
        client.patch(
            f"/api/v1/users/{runner}",
            json={"timezone": "Europe/Paris"},
            headers=token(runner=runner),
        )
        race = make_race(runner, days=(this_monday + dt.timedelta(weeks=4, days=6) - today).days)
        monday = this_monday - dt.timedelta(weeks=1)
        body = {
            "race_id": race,
            "start_date": monday.isoformat(),
            "sessions": [{"date": monday.isoformat(), "kind": "easy", "distance": 5000}],
        }
        # 23:30 UTC on Sunday is 00:30 or 01:30 on Monday in Paris.
        start = dt.datetime.combine(monday, dt.time(23, 30), tzinfo=dt.UTC) - dt.timedelta(days=1)
        data = {
            "start_time": start,
            "distance": 5000,
            "moving_time": 1500,
            "elapsed_time": 1500,
            "sport_type": "Run",
        }
        with app.extensions["runnerly.db"].transaction() as session:
            create_manual_run(session, runner, data)
        plan = client.post(plans_url(runner), json=body, headers=token(runner=runner)).json
        (item,) = all_sessions(plan)
        assert item["status"] == "done" and item["run"]["date"] == monday.isoformat()
        assert plan["weeks"][0]["done"] == {"distance": 5000, "runs": 1}
