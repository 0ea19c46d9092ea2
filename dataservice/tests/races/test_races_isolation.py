"""A runner's token reaches only that runner's races: every other runner's race answers
404, as if it did not exist, and stays exactly as it was."""

from __future__ import annotations

import datetime as dt

import pytest

RACE_BODY = {"name": "Stolen", "date": "2030-05-05", "distance": 5000}

# (method, path under /api/v1/users/{owner}, body); {race} is the owner's race.
ENDPOINTS = [
    ("get", "/races", None),
    ("post", "/races", RACE_BODY),
    ("get", "/races/{race}", None),
    ("patch", "/races/{race}", {"name": "Mine now"}),
    ("delete", "/races/{race}", None),
]


@pytest.fixture
def victims_race(other_runner, make_race, make_plan, today):
    race = make_race(other_runner, days=60, goal_time=2400)
    make_plan(other_runner, race, today + dt.timedelta(days=7 - today.weekday()))
    return race


class TestAnotherRunnersRaces:
    @pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
    def test_a_runners_token_on_another_runners_path_is_404_and_changes_nothing(
        self, client, token, runner, other_runner, victims_race, stored, method, path, body
    ):
        before = stored()
        url = f"/api/v1/users/{other_runner}" + path.format(race=victims_race)
        r = getattr(client, method)(url, json=body, headers=token(runner=runner))
        assert r.status_code == 404, r.json
        assert r.json["code"] == "not_found"
        assert stored() == before

    @pytest.mark.parametrize(
        ("method", "body"), [("get", None), ("patch", {"name": "Mine now"}), ("delete", None)]
    )
    def test_another_runners_race_id_under_ones_own_path_is_404_and_changes_nothing(
        self, client, token, runner, victims_race, stored, method, body
    ):
        before = stored()
        url = f"/api/v1/users/{runner}/races/{victims_race}"
        r = getattr(client, method)(url, json=body, headers=token(runner=runner))
        assert r.status_code == 404, r.json
        assert r.json["message"] == f"race {victims_race} not found"
        assert stored() == before
