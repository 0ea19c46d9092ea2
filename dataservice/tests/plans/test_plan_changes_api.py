"""Changing and deleting a plan over HTTP: the rules hold after the change, or nothing changes."""

from __future__ import annotations

import datetime as dt

import pytest


def plans_url(runner: int, plan: int | None = None) -> str:
    return f"/api/v1/users/{runner}/plans" + (f"/{plan}" if plan else "")


def fields_named(response) -> list[str]:
    return [e["field"] for e in response.json.get("errors", [])]


class TestUpdatePlan:
    @pytest.fixture
    def plan(self, client, token, runner, plan_body, on):
        r = client.post(
            plans_url(runner),
            json=plan_body(on(1), on(13, "long", 15000)),
            headers=token(runner=runner),
        )
        return r.json

    def test_it_replaces_the_sessions_as_a_whole(self, client, token, runner, plan, on, stored):
        r = client.patch(
            plans_url(runner, plan["id"]),
            json={"sessions": [on(20, "tempo", 9000)], "name": "Take two"},
            headers=token(runner=runner),
        )
        assert r.status_code == 200, r.json
        sessions = [s for w in r.json["weeks"] for s in w["sessions"]]
        assert [(s["kind"], s["distance"]) for s in sessions] == [("tempo", 9000)]
        assert r.json["name"] == "Take two"
        assert len(stored()["plan_sessions"]) == 1

    def test_a_change_without_sessions_keeps_them(
        self, client, token, runner, plan, make_race, today, this_monday
    ):
        later = make_race(runner, days=(this_monday + dt.timedelta(weeks=8) - today).days)
        r = client.patch(
            plans_url(runner, plan["id"]), json={"race_id": later}, headers=token(runner=runner)
        )
        assert r.status_code == 200, r.json
        assert len(r.json["weeks"]) == 9 and r.json["race"]["id"] == later
        assert sum(len(w["sessions"]) for w in r.json["weeks"]) == 2

    @pytest.mark.parametrize(
        ("body", "status", "field"),
        [
            ({"start_date": "MOVE"}, 400, "body.start_date"),  # a Monday after a kept session
            ({"race_id": "EARLY"}, 400, "body.race_id"),  # a race before a kept session
            (
                {"sessions": [{"date": "OUT", "kind": "easy", "distance": 5000}]},
                400,
                "body.sessions[0].date",
            ),
            ({"sessions": [{"date": "IN", "kind": "easy"}]}, 400, "body.sessions[0].distance"),
            ({"name": "   "}, 400, "body.name"),
            ({"owner": 3}, 400, "body.owner"),
            ({}, 400, "body"),
        ],
    )
    def test_it_refuses_a_change_that_breaks_the_plan_naming_the_field_and_changes_nothing(
        self,
        client,
        token,
        runner,
        plan,
        make_race,
        today,
        this_monday,
        stored,
        body,
        status,
        field,
    ):
        early = make_race(runner, days=(this_monday + dt.timedelta(days=5) - today).days)
        values = {
            "MOVE": (this_monday + dt.timedelta(weeks=2)).isoformat(),
            "EARLY": early,
            "OUT": (this_monday + dt.timedelta(weeks=6)).isoformat(),
            "IN": (this_monday + dt.timedelta(days=3)).isoformat(),
        }
        body = {k: values.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
        if "sessions" in body:
            body["sessions"] = [
                {k: values.get(v, v) for k, v in s.items()} for s in body["sessions"]
            ]
        before = stored()
        r = client.patch(plans_url(runner, plan["id"]), json=body, headers=token(runner=runner))
        assert r.status_code == status, r.json
        assert field in fields_named(r), r.json
        assert stored() == before

    def test_moving_it_to_another_runners_race_is_404_naming_the_race_and_changes_nothing(
        self, client, token, runner, other_runner, plan, make_race, stored
    ):
        theirs = make_race(other_runner, days=200)
        before = stored()
        r = client.patch(
            plans_url(runner, plan["id"]), json={"race_id": theirs}, headers=token(runner=runner)
        )
        assert r.status_code == 404
        assert fields_named(r) == ["body.race_id"]
        assert stored() == before


class TestDeletePlan:
    def test_it_deletes_the_plan_and_its_sessions_and_keeps_the_race(
        self, client, token, runner, race, plan_body, on, stored, make_race, today
    ):
        other = make_race(runner, days=60)
        plan = client.post(
            plans_url(runner), json=plan_body(on(1), on(2)), headers=token(runner=runner)
        ).json
        kept = client.post(
            plans_url(runner), json=plan_body(on(3), race_id=other), headers=token(runner=runner)
        ).json
        r = client.delete(plans_url(runner, plan["id"]), headers=token(runner=runner))
        assert r.status_code == 204
        after = stored()
        assert [row.id for row in after["races"]] == [race, other]
        assert [row.id for row in after["plans"]] == [kept["id"]]
        assert [row.plan_id for row in after["plan_sessions"]] == [kept["id"]]
        assert (
            client.get(plans_url(runner, plan["id"]), headers=token(runner=runner)).status_code
            == 404
        )
