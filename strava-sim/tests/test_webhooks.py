"""Push subscriptions and the events admin changes send to the callback."""

from __future__ import annotations

from datetime import datetime

import pytest
from conftest import CLIENT_ID, CLIENT_SECRET, bearer

CREDENTIALS = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}


def _subscribe(http, receiver):
    return http.post(
        "/api/v3/push_subscriptions",
        data={**CREDENTIALS, "callback_url": receiver.url, "verify_token": "runnerly"},
    )


class TestSubscriptions:
    def test_the_handshake_echoes_the_challenge_and_the_subscription_is_stored(
        self, http, receiver
    ):
        response = _subscribe(http, receiver)
        assert response.status_code == 201
        handshake = receiver.handshakes[0]
        assert handshake["hub.mode"] == "subscribe" and handshake["hub.verify_token"] == "runnerly"
        listed = http.get("/api/v3/push_subscriptions", query_string=CREDENTIALS).json
        assert listed[0]["id"] == response.json["id"]
        assert listed[0]["callback_url"] == receiver.url

    def test_a_callback_that_does_not_echo_the_challenge_gets_no_subscription(self, http, receiver):
        receiver.echo_challenge = False
        response = _subscribe(http, receiver)
        assert response.status_code == 400
        assert response.json["errors"][0]["field"] == "callback url"
        assert http.get("/api/v3/push_subscriptions", query_string=CREDENTIALS).json == []

    def test_a_callback_slower_than_two_seconds_fails_the_handshake(self, http, receiver):
        receiver.delay = 2.5
        assert _subscribe(http, receiver).status_code == 400

    def test_one_subscription_per_application(self, http, subscribed):
        again = _subscribe(http, subscribed)
        assert again.status_code == 400
        assert again.json["errors"][0]["code"] == "already exists"

    def test_a_wrong_secret_is_refused(self, http, receiver):
        response = http.post(
            "/api/v3/push_subscriptions",
            data={"client_id": CLIENT_ID, "client_secret": "x", "callback_url": receiver.url},
        )
        assert response.status_code == 401 and receiver.handshakes == []

    def test_a_deleted_subscription_stops_the_events(self, http, subscribed, tokens):
        sub_id = http.get("/api/v3/push_subscriptions", query_string=CREDENTIALS).json[0]["id"]
        response = http.delete(f"/api/v3/push_subscriptions/{sub_id}", query_string=CREDENTIALS)
        assert response.status_code == 204
        http.post("/admin/athletes/1/activities", json={"name": "Unheard"})
        http.application.extensions["strava_sim"].dispatcher.wait_idle()
        assert subscribed.events == []


class TestEvents:
    def test_a_created_activity_is_listed_and_its_create_event_is_posted(
        self, http, subscribed, tokens, clock
    ):
        created = http.post(
            "/admin/athletes/1/activities",
            json={"name": "Sim upload", "sport_type": "Run", "distance": 10000,
                  "moving_time": 3000, "description": "fresh"},
        )  # fmt: skip
        assert created.status_code == 201
        activity = created.json
        newest = http.get("/api/v3/athlete/activities", headers=bearer(tokens)).json[0]
        assert newest["id"] == activity["id"] and newest["name"] == "Sim upload"
        [event] = subscribed.wait_for(1)
        assert event == {
            "aspect_type": "create",
            "event_time": int(clock.now),
            "object_id": activity["id"],
            "object_type": "activity",
            "owner_id": 1,
            "subscription_id": event["subscription_id"],
            "updates": {},
        }

    def test_an_edit_sends_the_changed_title_and_type(self, http, subscribed, tokens):
        target = http.get("/api/v3/athlete/activities", headers=bearer(tokens)).json[3]
        response = http.put(
            f"/admin/activities/{target['id']}", json={"name": "Renamed", "type": "Ride"}
        )
        assert response.status_code == 200
        detail = http.get(f"/api/v3/activities/{target['id']}", headers=bearer(tokens)).json
        assert detail["name"] == "Renamed" and detail["sport_type"] == "Ride"
        [event] = subscribed.wait_for(1)
        assert event["aspect_type"] == "update"
        assert event["updates"] == {"title": "Renamed", "type": "Ride"}

    def test_a_deleted_activity_disappears_and_its_delete_event_is_posted(
        self, http, subscribed, tokens
    ):
        target = http.get("/api/v3/athlete/activities", headers=bearer(tokens)).json[0]
        assert http.delete(f"/admin/activities/{target['id']}").status_code == 204
        assert (
            http.get(f"/api/v3/activities/{target['id']}", headers=bearer(tokens)).status_code
            == 404
        )
        ids = [a["id"] for a in http.get("/admin/athletes/1/activities").json["activities"]]
        assert target["id"] not in ids
        [event] = subscribed.wait_for(1)
        assert (event["aspect_type"], event["object_id"]) == ("delete", target["id"])

    def test_deauthorizing_posts_an_athlete_event(self, http, subscribed, tokens):
        http.post("/oauth/deauthorize", headers=bearer(tokens))
        [event] = subscribed.wait_for(1)
        assert event["object_type"] == "athlete" and event["object_id"] == 1
        assert event["updates"] == {"authorized": "false"}

    def test_athletes_who_never_authorized_the_app_send_no_events(self, http, subscribed):
        http.post("/admin/athletes/2/activities", json={})
        http.application.extensions["strava_sim"].dispatcher.wait_idle()
        assert subscribed.events == []

    def test_an_unknown_field_is_a_400_and_nothing_is_created(self, http, subscribed, tokens):
        before = http.get("/admin/athletes/1/activities").json["count"]
        response = http.post("/admin/athletes/1/activities", json={"distanse": 5000})
        assert response.status_code == 400 and response.json["field"] == "distanse"
        assert http.get("/admin/athletes/1/activities").json["count"] == before

    def test_a_callback_down_twice_still_gets_the_event_on_the_third_try(
        self, http, subscribed, tokens
    ):
        calls = {"n": 0}
        original = subscribed.__class__.__call__

        def flaky(self, environ, start_response):
            if environ["REQUEST_METHOD"] == "POST" and calls["n"] < 2:
                calls["n"] += 1
                start_response("500 INTERNAL SERVER ERROR", [("Content-Type", "text/plain")])
                return [b"down"]
            return original(self, environ, start_response)

        subscribed.__class__.__call__ = flaky
        try:
            http.post("/admin/athletes/1/activities", json={})
            assert len(subscribed.wait_for(1)) == 1 and calls["n"] == 2
        finally:
            subscribed.__class__.__call__ = original


def _first(http, tokens, sport_type: str) -> dict:
    listed = http.get("/api/v3/athlete/activities?per_page=100", headers=bearer(tokens)).json
    return next(a for a in listed if a["sport_type"] == sport_type)


def _idle(http) -> None:
    assert http.application.extensions["strava_sim"].dispatcher.wait_idle()


class TestSilentEdits:
    """Strava sends an update event only for a new title, type or privacy."""

    @pytest.mark.parametrize(
        "change",
        [
            {"distance": 12345.6},
            {"moving_time": 1800, "elapsed_time": 1900},
            {"start_date": "2025-05-20T06:30:00Z"},
            {"sport_type": "TrailRun"},
            {"description": "felt good", "average_heartrate": None, "max_heartrate": None},
        ],
        ids=["distance", "crop", "start", "run-to-trail-run", "other-fields"],
    )
    def test_other_changes_are_made_but_send_no_event(self, http, subscribed, tokens, change):
        target = _first(http, tokens, "Run")
        response = http.put(f"/admin/activities/{target['id']}", json=change)
        assert response.status_code == 200
        detail = http.get(f"/api/v3/activities/{target['id']}", headers=bearer(tokens)).json
        for field, value in change.items():
            if field == "start_date":
                assert detail["start_date"] == value
            elif field != "max_heartrate":
                assert detail.get(field) == value
        assert detail["type"] == "Run"
        _idle(http)
        assert subscribed.events == []

    def test_a_change_of_privacy_sends_it_as_a_string(self, http, subscribed, tokens):
        target = _first(http, tokens, "Run")
        http.put(f"/admin/activities/{target['id']}", json={"private": True, "distance": 1.0})
        [event] = subscribed.wait_for(1)
        assert event["updates"] == {"private": "true"}

    def test_a_sport_type_with_another_legacy_type_sends_that_type(self, http, subscribed, tokens):
        target = _first(http, tokens, "TrailRun")
        http.put(f"/admin/activities/{target['id']}", json={"sport_type": "VirtualRun"})
        [event] = subscribed.wait_for(1)
        assert event["updates"] == {"type": "VirtualRun"}

    def test_setting_the_same_title_again_sends_nothing(self, http, subscribed, tokens):
        target = _first(http, tokens, "Run")
        http.put(f"/admin/activities/{target['id']}", json={"name": target["name"]})
        _idle(http)
        assert subscribed.events == []


class TestLostEvents:
    def test_notify_false_makes_a_create_an_edit_and_a_delete_silent(
        self, http, subscribed, tokens
    ):
        created = http.post("/admin/athletes/1/activities?notify=false", json={"name": "Quiet"})
        assert created.status_code == 201
        activity_id = created.json["id"]
        edited = http.put(f"/admin/activities/{activity_id}?notify=false", json={"name": "Hush"})
        assert edited.status_code == 200 and edited.json["name"] == "Hush"
        assert http.delete(f"/admin/activities/{activity_id}?notify=false").status_code == 204
        _idle(http)
        assert subscribed.events == []

    def test_a_notify_flag_other_than_true_or_false_is_a_400_and_nothing_is_created(
        self, http, subscribed
    ):
        before = http.get("/admin/athletes/1/activities").json["count"]
        response = http.post("/admin/athletes/1/activities?notify=no", json={})
        assert response.status_code == 400 and response.json["field"] == "notify"
        assert http.get("/admin/athletes/1/activities").json["count"] == before

    def test_a_late_upload_gets_the_highest_id_but_starts_before_the_newest(
        self, http, subscribed, tokens
    ):
        newest = http.get("/api/v3/athlete/activities", headers=bearer(tokens)).json[0]
        late = http.post(
            "/admin/athletes/1/activities?notify=false",
            json={"name": "Watch synced late", "start_date": "2025-05-25T07:00:00Z"},
        ).json
        ids = [a["id"] for a in http.get("/admin/athletes/1/activities").json["activities"]]
        assert late["id"] == max(ids) and late["start_date"] < newest["start_date"]
        # A client resuming after the newest start it saw never lists it...
        cursor = int(datetime.fromisoformat(newest["start_date"][:-1] + "+00:00").timestamp())
        after_cursor = http.get(
            "/api/v3/athlete/activities", query_string={"after": cursor}, headers=bearer(tokens)
        ).json
        assert after_cursor == []
        # ...and no event tells it: only a look-back finds it.
        week = http.get(
            "/api/v3/athlete/activities",
            query_string={"after": cursor - 7 * 86400},
            headers=bearer(tokens),
        ).json
        assert late["id"] in [a["id"] for a in week]
        _idle(http)
        assert subscribed.events == []

    def test_the_drop_events_switch_loses_every_event_until_cleared(self, http, subscribed, tokens):
        response = http.post("/admin/faults", json={"drop_events": True})
        assert response.status_code == 200 and response.json["drop_events"] is True
        http.post("/admin/athletes/1/activities", json={"name": "Lost"})
        http.post("/oauth/deauthorize", headers=bearer(tokens))
        _idle(http)
        assert subscribed.events == []
        assert http.delete("/admin/faults").status_code == 204
        assert http.get("/admin/faults").json["drop_events"] is False
        http.post("/admin/athletes/1/grant", json={})
        heard = http.post("/admin/athletes/1/activities", json={"name": "Heard"}).json
        [event] = subscribed.wait_for(1)
        assert (event["aspect_type"], event["object_id"]) == ("create", heard["id"])

    def test_drop_events_must_be_a_boolean(self, http):
        response = http.post("/admin/faults", json={"drop_events": "yes"})
        assert response.status_code == 400 and response.json["field"] == "drop_events"
        assert http.get("/admin/faults").json["drop_events"] is False
