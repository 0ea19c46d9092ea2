"""Activities the admin can create: the absurd values real Strava data holds, and manual
or treadmill entries without a map."""

from __future__ import annotations

import pytest
from conftest import bearer

A_WATCH_LEFT_RUNNING = 4_204_800  # 1,168 h: an elapsed time a real Strava run reported


def _detail(http, tokens, activity_id: int) -> dict:
    response = http.get(f"/api/v3/activities/{activity_id}", headers=bearer(tokens))
    assert response.status_code == 200
    return response.json


class TestAbsurdValues:
    def test_hundreds_of_hours_zero_distance_zero_moving_time_and_no_hr_are_accepted(
        self, http, tokens
    ):
        created = http.post(
            "/admin/athletes/1/activities",
            json={"distance": 0, "moving_time": 0, "elapsed_time": A_WATCH_LEFT_RUNNING},
        )
        assert created.status_code == 201, created.json
        listed = http.get("/api/v3/athlete/activities", headers=bearer(tokens)).json[0]
        assert listed["id"] == created.json["id"]
        assert (listed["distance"], listed["moving_time"], listed["elapsed_time"]) == (
            0.0,
            0,
            A_WATCH_LEFT_RUNNING,
        )
        assert listed["average_speed"] == 0.0 and listed["max_speed"] == 0.0
        assert listed["has_heartrate"] is False and "average_heartrate" not in listed
        assert _detail(http, tokens, listed["id"])["splits_metric"] == []

    def test_an_edit_can_set_an_absurd_elapsed_time_on_a_seeded_run(self, http, tokens):
        target = http.get("/api/v3/athlete/activities", headers=bearer(tokens)).json[5]
        response = http.put(
            f"/admin/activities/{target['id']}",
            json={"elapsed_time": A_WATCH_LEFT_RUNNING, "distance": 0},
        )
        assert response.status_code == 200
        detail = _detail(http, tokens, target["id"])
        assert detail["elapsed_time"] == A_WATCH_LEFT_RUNNING and detail["distance"] == 0

    @pytest.mark.parametrize(
        ("field", "value", "problem"),
        [
            ("distance", -1, "negative"),
            ("elapsed_time", -60, "negative"),
            ("elapsed_time", 2**31, "at most"),
            ("moving_time", 10**400, "at most"),
            ("start_date", 10**12, "year 10000"),
            ("start_date", "1969-12-31T00:00:00Z", "1970"),
        ],
    )
    def test_values_no_activity_can_hold_are_a_400_naming_the_field_and_nothing_is_written(
        self, http, field, value, problem
    ):
        before = http.get("/admin/athletes/1/activities").json["count"]
        response = http.post("/admin/athletes/1/activities", json={field: value})
        assert response.status_code == 400
        assert response.json["field"] == field and problem in response.json["message"]
        assert http.get("/admin/athletes/1/activities").json["count"] == before

    def test_not_a_number_is_a_400(self, http):
        response = http.post(
            "/admin/athletes/1/activities",
            data='{"distance": NaN}',
            content_type="application/json",
        )
        assert response.status_code == 400 and response.json["field"] == "distance"


class TestManualAndTreadmill:
    def test_a_gps_upload_has_a_map_and_start_point(self, http, tokens):
        created = http.post("/admin/athletes/1/activities", json={"distance": 8000}).json
        detail = _detail(http, tokens, created["id"])
        assert detail["map"]["summary_polyline"] and len(detail["start_latlng"]) == 2
        assert detail["manual"] is False and detail["upload_id"] is not None

    def test_a_manual_entry_has_no_map_no_upload_and_no_device(self, http, tokens):
        created = http.post(
            "/admin/athletes/1/activities",
            json={"name": "Forgot my watch", "manual": True, "distance": 10000},
        )
        assert created.status_code == 201
        detail = _detail(http, tokens, created.json["id"])
        assert detail["manual"] is True and detail["map"]["summary_polyline"] == ""
        assert detail["start_latlng"] == [] and detail["end_latlng"] == []
        assert detail["upload_id"] is None and detail["external_id"] is None
        assert detail["device_name"] is None and detail["has_heartrate"] is False

    def test_a_treadmill_run_has_no_map(self, http, tokens):
        created = http.post(
            "/admin/athletes/1/activities", json={"trainer": True, "distance": 6000}
        ).json
        detail = _detail(http, tokens, created["id"])
        assert detail["trainer"] is True and detail["manual"] is False
        assert detail["map"]["summary_polyline"] == "" and detail["start_latlng"] == []

    def test_manual_is_set_once_an_edit_ignores_it_as_the_read_only_field_it_echoes(
        self, http, tokens
    ):
        created = http.post("/admin/athletes/1/activities", json={}).json
        response = http.put(f"/admin/activities/{created['id']}", json={"manual": True})
        assert response.status_code == 200 and response.json["manual"] is False

    def test_manual_must_be_a_boolean(self, http):
        response = http.post("/admin/athletes/1/activities", json={"manual": "yes"})
        assert response.status_code == 400 and response.json["field"] == "manual"
