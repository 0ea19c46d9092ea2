"""A runner's token reaches only that runner's plans: every other runner's plan (and race
to plan toward) answers 404, as if it did not exist, and stays exactly as it was."""

from __future__ import annotations

import datetime as dt

import pytest


@pytest.fixture
def victim(client, token, other_runner, make_race, today, this_monday):
    """Another runner's race, 8 weeks ahead, and their plan toward it."""
    race_day = this_monday + dt.timedelta(weeks=7, days=6)
    race = make_race(other_runner, days=(race_day - today).days)
    body = {
        "race_id": race,
        "start_date": this_monday.isoformat(),
        "sessions": [{"date": race_day.isoformat(), "kind": "race", "distance": 10000}],
    }
    r = client.post(
        f"/api/v1/users/{other_runner}/plans", json=body, headers=token(runner=other_runner)
    )
    assert r.status_code == 201, r.json
    return {"race": race, "plan": r.json["id"], "start": this_monday.isoformat()}


# (method, path under /api/v1/users/{owner}, body); placeholders name the victim's ids.
ENDPOINTS = [
    ("get", "/plans", None),
    ("post", "/plans", {"race_id": "{race}", "start_date": "{start}"}),
    ("get", "/plans/{plan}", None),
    ("patch", "/plans/{plan}", {"name": "Mine now", "sessions": []}),
    ("delete", "/plans/{plan}", None),
    ("post", "/races/{race}/plan", {"weeks": 4}),
]


def fill(value, victim):
    if isinstance(value, str):
        filled = value.format(**victim)
        return int(filled) if filled.isdigit() else filled
    if isinstance(value, dict):
        return {k: fill(v, victim) for k, v in value.items()}
    return value


class TestAnotherRunnersPlans:
    @pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
    def test_a_runners_token_on_another_runners_path_is_404_and_changes_nothing(
        self, client, token, runner, other_runner, victim, stored, method, path, body
    ):
        before = stored()
        url = f"/api/v1/users/{other_runner}" + fill(path, victim)
        r = getattr(client, method)(url, json=fill(body, victim), headers=token(runner=runner))
        assert r.status_code == 404, r.json
        assert r.json["code"] == "not_found"
        assert stored() == before

    @pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS[1:])
    def test_another_runners_ids_under_ones_own_path_are_404_and_change_nothing(
        self, client, token, runner, victim, stored, method, path, body
    ):
        before = stored()
        url = f"/api/v1/users/{runner}" + fill(path, victim)
        r = getattr(client, method)(url, json=fill(body, victim), headers=token(runner=runner))
        assert r.status_code == 404, r.json
        assert r.json["message"] in (
            f"race {victim['race']} not found",
            f"plan {victim['plan']} not found",
        )
        assert stored() == before

    def test_listing_ones_own_plans_by_another_runners_race_shows_nothing(
        self, client, token, runner, victim
    ):
        r = client.get(
            f"/api/v1/users/{runner}/plans?race_id={victim['race']}", headers=token(runner=runner)
        )
        assert r.status_code == 200 and r.json["items"] == [] and r.json["total"] == 0
