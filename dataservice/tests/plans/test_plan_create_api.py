"""Writing a training plan over HTTP: weeks of sessions toward a race, and what is refused."""

from __future__ import annotations

import datetime as dt

import pytest


def plans_url(runner: int, plan: int | None = None) -> str:
    return f"/api/v1/users/{runner}/plans" + (f"/{plan}" if plan else "")


def fields_named(response) -> list[str]:
    return [e["field"] for e in response.json.get("errors", [])]


class TestCreatePlan:
    def test_it_stores_the_plan_and_groups_its_sessions_into_weeks(
        self, client, token, runner, race, plan_body, on, this_monday
    ):
        body = plan_body(
            on(8, "intervals", 8000, target_pace=270, notes="6 × 800 m"),
            on(1, "easy", 6000),
            on(6, "long", 12000),
            on(9, "cross", None, duration=2700),
            on(34, "race", 10000, duration=3000, target_pace=300),
            name="Sub-50 10k",
        )
        r = client.post(plans_url(runner), json=body, headers=token(runner=runner))
        assert r.status_code == 201, r.json
        plan = r.json
        assert (plan["name"], plan["race_id"], plan["runner_id"]) == ("Sub-50 10k", race, runner)
        assert plan["start_date"] == this_monday.isoformat()
        assert plan["end_date"] == (this_monday + dt.timedelta(days=34)).isoformat()
        assert plan["race"]["id"] == race and plan["race"]["goal_pace"] == 300.0
        weeks = plan["weeks"]
        assert [w["week"] for w in weeks] == [1, 2, 3, 4, 5]
        assert [w["start"] for w in weeks] == [
            (this_monday + dt.timedelta(weeks=i)).isoformat() for i in range(5)
        ]
        assert weeks[0]["end"] == (this_monday + dt.timedelta(days=6)).isoformat()
        assert [[s["kind"] for s in w["sessions"]] for w in weeks] == [
            ["easy", "long"],
            ["intervals", "cross"],
            [],
            [],
            ["race"],
        ]
        assert [w["planned_distance"] for w in weeks] == [18000, 8000, 0, 0, 10000]
        assert weeks[1]["planned_duration"] == 2700
        interval = weeks[1]["sessions"][0]
        assert (interval["target_pace"], interval["notes"], interval["duration"]) == (
            270,
            "6 × 800 m",
            None,
        )
        assert client.get(plans_url(runner, plan["id"]), headers=token(runner=runner)).json == plan

    def test_it_names_the_plan_after_the_race_and_allows_no_sessions(
        self, client, token, runner, race, this_monday
    ):
        body = {"race_id": race, "start_date": this_monday.isoformat()}
        r = client.post(plans_url(runner), json=body, headers=token(runner=runner))
        assert r.status_code == 201, r.json
        assert r.json["name"] == "Plan for Spring 10k"
        assert all(w["sessions"] == [] for w in r.json["weeks"]) and len(r.json["weeks"]) == 5

    def test_it_allows_three_sessions_a_day(self, client, token, runner, plan_body, on):
        body = plan_body(on(2), on(2, "cross", None, duration=1800), on(2, "recovery", 3000))
        r = client.post(plans_url(runner), json=body, headers=token(runner=runner))
        assert r.status_code == 201, r.json
        assert len(r.json["weeks"][0]["sessions"]) == 3

    def test_another_runners_race_is_404_naming_the_race_and_stores_nothing(
        self, client, token, runner, other_runner, make_race, plan_body, stored
    ):
        theirs = make_race(other_runner)
        before = stored()
        body = plan_body(race_id=theirs)
        r = client.post(plans_url(runner), json=body, headers=token(runner=runner))
        assert r.status_code == 404
        assert r.json["message"] == f"race {theirs} not found"
        assert r.json["errors"] == [
            {"field": "body.race_id", "message": f"race {theirs} not found"}
        ]
        assert stored() == before
        missing = client.post(
            plans_url(runner), json=plan_body(race_id=theirs + 1000), headers=token(runner=runner)
        )
        assert missing.status_code == 404 and missing.json["code"] == r.json["code"]

    @pytest.mark.parametrize(
        ("sessions", "fields", "field"),
        [
            ([(-1, {})], {}, "body.sessions[0].date"),  # before the start
            ([(1, {}), (35, {})], {}, "body.sessions[1].date"),  # after race day
            ([(1, {})] * 4, {}, "body.sessions[3].date"),  # a 4th session that day
            ([(3, {"kind": "rest"})], {}, "body.sessions[0].distance"),
            (
                [(3, {"kind": "rest", "distance": None, "duration": 600})],
                {},
                "body.sessions[0].duration",
            ),
            ([(3, {"distance": None})], {}, "body.sessions[0].distance"),
            ([(3, {"distance": -5000})], {}, "body.sessions[0].distance"),
            ([(3, {"distance": 0})], {}, "body.sessions[0].distance"),
            ([(3, {"distance": "5k"})], {}, "body.sessions[0].distance"),
            ([(3, {"kind": "jog"})], {}, "body.sessions[0].kind"),
            ([(3, {"duration": 0})], {}, "body.sessions[0].duration"),
            ([(3, {"target_pace": 30})], {}, "body.sessions[0].target_pace"),
            ([(3, {"notes": "x" * 501})], {}, "body.sessions[0].notes"),
            ([(3, {"heart_rate": 140})], {}, "body.sessions[0].heart_rate"),
            ([(3, {"date": "2026-02-30"})], {}, "body.sessions[0].date"),
            ([], {"start_date": "tuesday"}, "body.start_date"),
            ([], {"race_id": "one"}, "body.race_id"),
            ([], {"name": ""}, "body.name"),
            ([], {"weeks": 5}, "body.weeks"),
            ([], {"sessions": {"date": "2026-01-01"}}, "body.sessions"),
        ],
    )
    def test_it_refuses_bad_input_naming_the_field_and_stores_nothing(
        self, client, token, runner, plan_body, on, stored, sessions, fields, field
    ):
        body = plan_body(*(on(day, **changes) for day, changes in sessions), **fields)
        before = stored()
        r = client.post(plans_url(runner), json=body, headers=token(runner=runner))
        assert r.status_code == 400, r.json
        assert field in fields_named(r), r.json
        assert stored() == before

    def test_it_refuses_a_start_that_is_not_a_monday(
        self, client, token, runner, plan_body, this_monday
    ):
        tuesday = (this_monday + dt.timedelta(days=1)).isoformat()
        r = client.post(
            plans_url(runner), json=plan_body(start_date=tuesday), headers=token(runner=runner)
        )
        assert r.status_code == 400
        assert fields_named(r) == ["body.start_date"] and "Monday" in r.json["message"]

    def test_it_refuses_a_start_after_race_day(self, client, token, runner, plan_body, this_monday):
        after = (this_monday + dt.timedelta(weeks=5)).isoformat()
        r = client.post(
            plans_url(runner), json=plan_body(start_date=after), headers=token(runner=runner)
        )
        assert r.status_code == 400 and fields_named(r) == ["body.start_date"]

    def test_it_refuses_a_plan_longer_than_52_weeks(
        self, client, token, runner, plan_body, this_monday
    ):
        early = (this_monday - dt.timedelta(weeks=48)).isoformat()  # 53 weeks to race week
        r = client.post(
            plans_url(runner), json=plan_body(start_date=early), headers=token(runner=runner)
        )
        assert r.status_code == 400 and fields_named(r) == ["body.start_date"]
        ok = (this_monday - dt.timedelta(weeks=47)).isoformat()
        r = client.post(
            plans_url(runner), json=plan_body(start_date=ok), headers=token(runner=runner)
        )
        assert r.status_code == 201 and len(r.json["weeks"]) == 52
