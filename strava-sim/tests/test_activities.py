"""Listing and reading activities as the worker pages through a runner's history."""

from __future__ import annotations

from collections import Counter

import pytest
from conftest import bearer, make_settings

from strava_sim.app import create_app
from strava_sim.service import Simulator


def _all(http, tokens, **query):
    found, page = [], 1
    while True:
        batch = http.get(
            "/api/v3/athlete/activities",
            query_string={**query, "page": page, "per_page": 200},
            headers=bearer(tokens),
        ).json
        if not batch:
            return found
        found += batch
        page += 1


class TestListing:
    def test_three_years_of_history_is_about_a_thousand_mostly_runs(self, http, tokens):
        activities = _all(http, tokens)
        assert 900 <= len(activities) <= 1100
        sports = Counter(a["sport_type"] for a in activities)
        runs = sports["Run"] + sports["TrailRun"] + sports["VirtualRun"]
        assert runs / len(activities) > 0.85 and {"Ride", "Swim", "Walk"} <= set(sports)
        first, last = activities[-1]["start_date"], activities[0]["start_date"]
        assert first.startswith("2022") and last.startswith("2025-05")

    def test_runs_have_realistic_distances_paces_and_heart_rates(self, http, tokens):
        runs = [a for a in _all(http, tokens) if a["sport_type"] in ("Run", "TrailRun")]
        for run in runs:
            assert 3000 <= run["distance"] <= 42195
            assert 239 <= run["moving_time"] / run["distance"] * 1000 <= 391  # 4:00–6:30 /km
            if run["has_heartrate"]:
                assert 95 <= run["average_heartrate"] < run["max_heartrate"] <= 205
            assert run["start_date"].endswith("Z") and "description" not in run

    def test_newest_first_pages_cover_everything_once(self, http, tokens):
        activities = _all(http, tokens)
        starts = [a["start_date"] for a in activities]
        assert starts == sorted(starts, reverse=True)
        listed = http.get("/admin/athletes/1/activities").json
        assert [a["id"] for a in activities] == [a["id"] for a in listed["activities"]]

    def test_per_page_defaults_to_30_and_over_200_is_a_400(self, http, tokens):
        assert len(http.get("/api/v3/athlete/activities", headers=bearer(tokens)).json) == 30
        response = http.get("/api/v3/athlete/activities?per_page=201", headers=bearer(tokens))
        assert response.status_code == 400
        assert response.json["errors"][0]["field"] == "per_page"

    @pytest.mark.parametrize("query", ["page=0", "per_page=abc", "before=yesterday"])
    def test_malformed_paging_is_a_400_naming_the_field(self, http, tokens, query):
        response = http.get(f"/api/v3/athlete/activities?{query}", headers=bearer(tokens))
        assert response.status_code == 400
        assert response.json["errors"][0]["field"] == query.split("=")[0]

    def test_before_and_after_are_exclusive_epoch_bounds(self, http, tokens):
        everything = _all(http, tokens)
        middle = everything[100]
        from datetime import datetime

        epoch = int(datetime.fromisoformat(middle["start_date"].replace("Z", "+00:00")).timestamp())
        older = _all(http, tokens, before=epoch)
        newer = _all(http, tokens, after=epoch)
        assert older[0]["id"] == everything[101]["id"] and newer[-1]["id"] == everything[99]["id"]
        assert len(older) + len(newer) + 1 == len(everything)

    def test_activity_read_hides_private_activities_read_all_shows_them(self, http, grant):
        every = _all(http, grant(1, "read,activity:read_all"))
        public = _all(http, grant(1, "read,activity:read"))
        assert any(a["private"] for a in every)
        assert [a for a in every if not a["private"]] == public

    def test_a_token_without_activity_scope_is_refused(self, http, grant):
        response = http.get("/api/v3/athlete/activities", headers=bearer(grant(1, "read")))
        assert response.status_code == 401
        assert response.json["errors"][0]["field"] == "activity:read_permission"

    def test_a_missing_token_is_a_strava_401_in_json(self, http):
        response = http.get("/api/v3/athlete/activities")
        assert response.status_code == 401
        assert response.json["errors"] == [
            {"resource": "Athlete", "field": "access_token", "code": "invalid"}
        ]


class TestDetail:
    def test_it_adds_the_description_the_list_leaves_out(self, http, tokens):
        described = next(
            a
            for a in _all(http, tokens)
            if http.get(f"/api/v3/activities/{a['id']}", headers=bearer(tokens)).json["description"]
        )
        detail = http.get(f"/api/v3/activities/{described['id']}", headers=bearer(tokens)).json
        assert detail["resource_state"] == 3 and detail["name"] == described["name"]

    def test_another_athletes_activity_is_not_found(self, http, tokens, grant):
        theirs = _all(http, grant(2))[0]["id"]
        response = http.get(f"/api/v3/activities/{theirs}", headers=bearer(tokens))
        assert response.status_code == 404
        assert response.json["message"] == "Record Not Found"


class TestDeterminism:
    def test_the_same_seed_gives_the_same_first_page(self, tmp_path, clock):
        pages = []
        for name in ("one", "two"):
            (tmp_path / name).mkdir()
            settings = make_settings(tmp_path / name)
            app = create_app(settings, simulator=Simulator(settings, clock=clock))
            http = app.test_client()
            pair = http.post("/admin/athletes/1/grant", json={}).json
            pages.append(http.get("/api/v3/athlete/activities", headers=bearer(pair)).json)
            app.extensions["strava_sim"].db.dispose()
        assert pages[0] == pages[1] and len(pages[0]) == 30

    def test_another_seed_gives_another_history(self, tmp_path, clock, http, tokens):
        settings = make_settings(tmp_path / "other", seed=7)
        app = create_app(settings, simulator=Simulator(settings, clock=clock))
        other = app.test_client()
        pair = other.post("/admin/athletes/1/grant", json={}).json
        theirs = other.get("/api/v3/athlete/activities", headers=bearer(pair)).json
        ours = http.get("/api/v3/athlete/activities", headers=bearer(tokens)).json
        assert [a["start_date"] for a in theirs] != [a["start_date"] for a in ours]
        app.extensions["strava_sim"].db.dispose()
