"""Writing races over HTTP: what a runner stores, changes and deletes, and what is refused."""

from __future__ import annotations

import datetime as dt

import pytest


def races_url(runner: int, race: int | None = None) -> str:
    return f"/api/v1/users/{runner}/races" + (f"/{race}" if race else "")


def fields_named(response) -> list[str]:
    return [e["field"] for e in response.json.get("errors", [])]


class TestCreateRace:
    def test_it_stores_a_race_and_answers_its_goal_pace_and_days_to_go(
        self, client, token, runner, today
    ):
        body = {
            "name": "Berlin Marathon",
            "date": (today + dt.timedelta(days=40)).isoformat(),
            "distance": 42195,
            "location": "Berlin",
            "goal_time": 3 * 3600 + 30 * 60,
        }
        r = client.post(races_url(runner), json=body, headers=token(runner=runner))
        assert r.status_code == 201, r.json
        assert r.json["days_to_go"] == 40
        assert r.json["goal_pace"] == pytest.approx(298.6, abs=0.05)  # 4:58.6 per km
        assert {k: r.json[k] for k in body} == {**body, "distance": 42195.0}
        again = client.get(races_url(runner, r.json["id"]), headers=token(runner=runner))
        assert again.json == r.json

    def test_it_leaves_the_goal_pace_null_without_a_goal_time(self, client, token, runner, today):
        body = {"name": "Parkrun", "date": today.isoformat(), "distance": 5000}
        r = client.post(races_url(runner), json=body, headers=token(runner=runner))
        assert r.status_code == 201, r.json
        assert (r.json["goal_time"], r.json["goal_pace"], r.json["location"]) == (None, None, None)
        assert r.json["days_to_go"] == 0

    def test_it_trims_the_name(self, client, token, runner, today):
        body = {"name": "  Parkrun ", "date": today.isoformat(), "distance": 5000}
        r = client.post(races_url(runner), json=body, headers=token(runner=runner))
        assert r.json["name"] == "Parkrun"

    def test_it_refuses_a_negative_distance_naming_the_field_and_stores_nothing(
        self, client, token, runner, today, stored
    ):
        before = stored()
        body = {"name": "Oops", "date": today.isoformat(), "distance": -5000}
        r = client.post(races_url(runner), json=body, headers=token(runner=runner))
        assert r.status_code == 400
        assert r.json["code"] == "invalid_request" and "request_id" in r.json
        assert fields_named(r) == ["body.distance"]
        assert stored() == before

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"distance": 0}, "body.distance"),
            ({"distance": 1_000_001}, "body.distance"),
            ({"distance": "10k"}, "body.distance"),
            ({"goal_time": 0}, "body.goal_time"),
            ({"goal_time": -60}, "body.goal_time"),
            ({"goal_time": "1:45:00"}, "body.goal_time"),
            ({"goal_time": 3600.5}, "body.goal_time"),
            ({"name": ""}, "body.name"),
            ({"name": "   "}, "body.name"),
            ({"name": "x" * 201}, "body.name"),
            ({"name": 42}, "body.name"),
            ({"date": "2026-02-30"}, "body.date"),
            ({"date": "next sunday"}, "body.date"),
            ({"date": 20260405}, "body.date"),
            ({"location": "x" * 201}, "body.location"),
            ({"elevation": 300}, "body.elevation"),
            ({"runner_id": 99}, "body.runner_id"),
        ],
    )
    def test_it_refuses_bad_input_naming_the_field_and_stores_nothing(
        self, client, token, runner, today, stored, change, field
    ):
        before = stored()
        body = {"name": "Race", "date": today.isoformat(), "distance": 10000, **change}
        r = client.post(races_url(runner), json=body, headers=token(runner=runner))
        assert r.status_code == 400, r.json
        assert field in fields_named(r)
        assert stored() == before

    @pytest.mark.parametrize("missing", ["name", "date", "distance"])
    def test_it_names_a_missing_field(self, client, token, runner, today, missing):
        body = {"name": "Race", "date": today.isoformat(), "distance": 10000}
        del body[missing]
        r = client.post(races_url(runner), json=body, headers=token(runner=runner))
        assert r.status_code == 400
        assert fields_named(r) == [f"body.{missing}"]

    def test_it_needs_the_runs_write_scope(self, client, token, runner, today, stored):
        body = {"name": "Race", "date": today.isoformat(), "distance": 10000}
        r = client.post(
            races_url(runner), json=body, headers=token(runner=runner, scope="runs:read")
        )
        assert r.status_code == 403
        assert stored()["races"] == []


class TestUpdateRace:
    def test_it_changes_the_fields_given_and_clears_the_goal_with_null(
        self, client, token, runner, make_race, today
    ):
        race = make_race(runner, goal_time=3000, location="Lyon")
        new_date = (today + dt.timedelta(days=60)).isoformat()
        r = client.patch(
            races_url(runner, race),
            json={"date": new_date, "goal_time": None, "name": "Autumn 10k"},
            headers=token(runner=runner),
        )
        assert r.status_code == 200, r.json
        assert (r.json["date"], r.json["goal_time"], r.json["goal_pace"]) == (new_date, None, None)
        assert (r.json["name"], r.json["location"], r.json["days_to_go"]) == (
            "Autumn 10k",
            "Lyon",
            60,
        )

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"distance": -1}, "body.distance"),
            ({"distance": None}, "body.distance"),
            ({"name": None}, "body.name"),
            ({"date": "2026-13-01"}, "body.date"),
            ({"goal_time": True}, "body.goal_time"),
            ({"id": 5}, "body.id"),
            ({}, "body"),
        ],
    )
    def test_it_refuses_bad_input_naming_the_field_and_changes_nothing(
        self, client, token, runner, make_race, stored, body, field
    ):
        race = make_race(runner)
        before = stored()
        r = client.patch(races_url(runner, race), json=body, headers=token(runner=runner))
        assert r.status_code == 400, r.json
        assert field in fields_named(r)
        assert stored() == before

    def test_moving_the_race_before_its_plan_ends_is_a_conflict_and_changes_nothing(
        self, client, token, runner, make_race, make_plan, today, stored
    ):
        race = make_race(runner, days=60)
        monday = today + dt.timedelta(days=7 - today.weekday())
        make_plan(runner, race, monday, days=5)  # sessions until monday + 4
        before = stored()
        too_early = (monday + dt.timedelta(days=3)).isoformat()
        r = client.patch(
            races_url(runner, race), json={"date": too_early}, headers=token(runner=runner)
        )
        assert r.status_code == 409
        assert fields_named(r) == ["body.date"]
        assert stored() == before

    def test_moving_the_race_more_than_52_weeks_after_its_plan_starts_is_a_conflict(
        self, client, token, runner, make_race, make_plan, today
    ):
        race = make_race(runner, days=60)
        monday = today + dt.timedelta(days=7 - today.weekday())
        make_plan(runner, race, monday)
        late = (monday + dt.timedelta(weeks=52)).isoformat()
        r = client.patch(races_url(runner, race), json={"date": late}, headers=token(runner=runner))
        assert r.status_code == 409 and fields_named(r) == ["body.date"]
        latest = (monday + dt.timedelta(weeks=52, days=-1)).isoformat()
        r = client.patch(
            races_url(runner, race), json={"date": latest}, headers=token(runner=runner)
        )
        assert r.status_code == 200, r.json


class TestDeleteRace:
    def test_it_deletes_the_race_and_the_plans_toward_it(
        self, client, token, runner, make_race, make_plan, today, stored
    ):
        race = make_race(runner, days=40)
        kept = make_race(runner, days=50)
        monday = today + dt.timedelta(days=7 - today.weekday())
        make_plan(runner, race, monday)
        make_plan(runner, kept, monday)
        r = client.delete(races_url(runner, race), headers=token(runner=runner))
        assert r.status_code == 204 and r.data == b""
        after = stored()
        assert [row.id for row in after["races"]] == [kept]
        assert {row.race_id for row in after["plans"]} == {kept}
        assert len(after["plan_sessions"]) == 3
        assert client.get(races_url(runner, race), headers=token(runner=runner)).status_code == 404
