"""Reading races over HTTP: goal pace, days to go, upcoming first, pages."""

from __future__ import annotations

import pytest


def races_url(runner: int, race: int | None = None) -> str:
    return f"/api/v1/users/{runner}/races" + (f"/{race}" if race else "")


def fields_named(response) -> list[str]:
    return [e["field"] for e in response.json.get("errors", [])]


class TestGetRace:
    def test_days_to_go_are_negative_once_the_race_is_run(self, client, token, runner, make_race):
        race = make_race(runner, days=-3, goal_time=2400)
        r = client.get(races_url(runner, race), headers=token(runner=runner))
        assert r.status_code == 200
        assert r.json["days_to_go"] == -3
        assert r.json["goal_pace"] == 240.0

    def test_a_service_token_with_runs_read_reads_any_runners_race(
        self, client, token, runner, make_race
    ):
        race = make_race(runner)
        r = client.get(
            races_url(runner, race), headers=token(client="runnerly-web", scope="runs:read")
        )
        assert r.status_code == 200 and r.json["id"] == race

    def test_an_unknown_race_is_404(self, client, token, runner):
        r = client.get(races_url(runner, 999), headers=token(runner=runner))
        assert r.status_code == 404
        assert r.json["code"] == "not_found" and "race 999" in r.json["message"]


class TestListRaces:
    @pytest.fixture
    def calendar(self, runner, make_race):
        """Races 20 and 5 days ahead, today, and 3 and 30 days ago."""
        return {
            days: make_race(runner, days=days, name=f"in {days}") for days in (20, -30, 0, 5, -3)
        }

    def test_upcoming_races_come_first_nearest_first_then_past_ones_latest_first(
        self, client, token, runner, calendar
    ):
        r = client.get(races_url(runner), headers=token(runner=runner))
        assert r.status_code == 200
        assert [i["days_to_go"] for i in r.json["items"]] == [0, 5, 20, -3, -30]
        assert (r.json["total"], r.json["page"], r.json["per_page"]) == (5, 1, 50)

    @pytest.mark.parametrize(
        ("when", "days"),
        [("upcoming", [0, 5, 20]), ("past", [-3, -30]), ("all", [0, 5, 20, -3, -30])],
    )
    def test_it_keeps_upcoming_or_past_races_today_counting_as_upcoming(
        self, client, token, runner, calendar, when, days
    ):
        r = client.get(races_url(runner) + f"?when={when}", headers=token(runner=runner))
        assert [i["days_to_go"] for i in r.json["items"]] == days
        assert r.json["total"] == len(days)

    def test_it_pages_through_the_races(self, client, token, runner, calendar):
        pages = [
            client.get(
                races_url(runner) + f"?per_page=2&page={page}", headers=token(runner=runner)
            ).json
            for page in (1, 2, 3, 4)
        ]
        assert [[i["days_to_go"] for i in p["items"]] for p in pages] == [
            [0, 5],
            [20, -3],
            [-30],
            [],
        ]
        assert {p["total"] for p in pages} == {5}

    def test_it_lists_only_the_runners_own_races(
        self, client, token, runner, other_runner, make_race
    ):
        mine = make_race(runner)
        make_race(other_runner)
        r = client.get(races_url(runner), headers=token(runner=runner))
        assert [i["id"] for i in r.json["items"]] == [mine]

    @pytest.mark.parametrize(
        ("query", "field"),
        [("when=soon", "query.when"), ("page=0", "query.page"), ("per_page=500", "query.per_page")],
    )
    def test_it_refuses_bad_query_parameters_naming_them(self, client, token, runner, query, field):
        r = client.get(races_url(runner) + f"?{query}", headers=token(runner=runner))
        assert r.status_code == 400
        assert fields_named(r) == [field]
