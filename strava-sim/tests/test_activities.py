"""Listing and reading activities as the worker pages through a runner's history."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import pytest
from conftest import bearer, make_settings

from runnerly_common.settings import SettingsError
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
        epoch = _epoch(everything[100])
        older = _all(http, tokens, before=epoch)
        newer = _all(http, tokens, after=epoch)  # after only: oldest first, as at Strava
        assert older[0]["id"] == everything[101]["id"] and newer[0]["id"] == everything[99]["id"]
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


def _epoch(activity) -> int:
    return int(datetime.fromisoformat(activity["start_date"].replace("Z", "+00:00")).timestamp())


def _order(activities) -> str:
    keys = [(a["start_date"], a["id"]) for a in activities]
    assert len(keys) > 1
    return "oldest" if keys == sorted(keys) else "newest" if keys == sorted(keys)[::-1] else "?"


class TestPageOrder:
    """Strava is reported to answer oldest first when only ``after`` is given."""

    def test_by_default_only_after_answers_oldest_first_anything_else_newest_first(
        self, http, tokens
    ):
        everything = _all(http, tokens)
        after, before = _epoch(everything[300]), _epoch(everything[10])
        assert _order(everything) == "newest"
        assert _order(_all(http, tokens, after=after)) == "oldest"
        assert _order(_all(http, tokens, before=before)) == "newest"
        assert _order(_all(http, tokens, after=after, before=before)) == "newest"

    def test_pages_of_the_oldest_first_order_cover_everything_after_once(self, http, tokens):
        after = _epoch(_all(http, tokens)[250])
        pages = [
            http.get(
                "/api/v3/athlete/activities",
                query_string={"after": after, "page": page, "per_page": 30},
                headers=bearer(tokens),
            ).json
            for page in range(1, 11)
        ]
        listed = [a["id"] for page in pages for a in page]
        assert [len(p) for p in pages] == [30] * 8 + [10, 0]
        assert listed == sorted(listed) and len(set(listed)) == 250

    @pytest.mark.parametrize(
        ("order", "after_only", "no_bounds"),
        [("newest", "newest", "newest"), ("oldest", "oldest", "oldest"),
         ("strava", "oldest", "newest")],
    )  # fmt: skip
    def test_the_admin_switches_the_order_for_every_query(
        self, http, tokens, order, after_only, no_bounds
    ):
        response = http.post("/admin/list-order", json={"list_order": order})
        assert response.status_code == 200 and response.json == {"list_order": order}
        assert http.get("/admin/list-order").json == {"list_order": order}
        everything = _all(http, tokens)
        assert _order(everything) == no_bounds
        assert _order(_all(http, tokens, after=_epoch(everything[500]))) == after_only

    def test_activities_starting_together_are_ordered_by_id_the_same_way(self, http, tokens):
        start = "2025-05-31T20:00:00Z"
        ids = [
            http.post("/admin/athletes/1/activities", json={"start_date": start}).json["id"]
            for _ in range(3)
        ]
        after = _epoch({"start_date": start}) - 1
        oldest_first = _all(http, tokens, after=after)
        assert [a["id"] for a in oldest_first] == ids
        newest_first = _all(http, tokens, after=after, before=after + 2)
        assert [a["id"] for a in newest_first] == ids[::-1]

    def test_an_unknown_order_is_a_400_and_the_order_stays(self, http):
        for body in ({"list_order": "random"}, {"list_order": None}, {"order": "newest"}):
            response = http.post("/admin/list-order", json=body)
            assert response.status_code == 400 and response.json["code"] == "invalid_field"
        assert http.get("/admin/list-order").json == {"list_order": "strava"}

    def test_the_setting_chooses_the_order_and_reset_restores_it(self, tmp_path, clock):
        settings = make_settings(tmp_path, list_order="oldest")
        app = create_app(settings, simulator=Simulator(settings, clock=clock))
        http = app.test_client()
        pair = http.post("/admin/athletes/1/grant", json={}).json
        first = http.get("/api/v3/athlete/activities", headers=bearer(pair)).json
        assert first[0]["start_date"].startswith("2022") and _order(first) == "oldest"
        http.post("/admin/list-order", json={"list_order": "newest"})
        http.post("/admin/reset")
        assert http.get("/admin/list-order").json == {"list_order": "oldest"}
        app.extensions["strava_sim"].db.dispose()

    def test_an_unknown_order_setting_stops_the_start_naming_it(self, tmp_path):
        with pytest.raises(SettingsError, match="STRAVA_SIM_LIST_ORDER"):
            make_settings(tmp_path, list_order="sideways")


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
