"""GET /api/v3/activities/{id}/streams: what a worker reads to find best efforts and
splits inside a run, consistent with the summary it already read."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest
from conftest import bearer

ALL_KEYS = "time,distance,latlng,altitude,heartrate,cadence,moving,velocity_smooth"


def _runs(http, tokens, count: int = 40) -> list[dict[str, Any]]:
    page = http.get(
        "/api/v3/athlete/activities", query_string={"per_page": 200}, headers=bearer(tokens)
    ).json
    return [a for a in page if a["sport_type"] in ("Run", "TrailRun", "VirtualRun")][:count]


def _streams(http, tokens, activity_id: int, keys: str = ALL_KEYS, by_type: str = "true"):
    return http.get(
        f"/api/v3/activities/{activity_id}/streams",
        query_string={"keys": keys, "key_by_type": by_type},
        headers=bearer(tokens),
    )


class TestStreams:
    def test_every_stream_agrees_with_the_summary(self, http, tokens):
        for activity in _runs(http, tokens):
            answer = _streams(http, tokens, activity["id"])
            assert answer.status_code == 200
            streams = {key: value["data"] for key, value in answer.json.items()}
            time, distance = streams["time"], streams["distance"]
            assert all(len(v) == len(time) for v in streams.values())
            assert answer.json["time"]["original_size"] == len(time)
            assert answer.json["time"]["resolution"] == "high"
            assert distance[-1] == pytest.approx(activity["distance"], abs=0.1)
            assert time[0] == 0 and time[-1] == activity["elapsed_time"]
            assert all(b >= a for a, b in pairwise(time))
            assert all(b >= a for a, b in pairwise(distance))
            steps = zip(pairwise(time), streams["moving"][1:], strict=True)
            moving = sum(b - a for (a, b), m in steps if m)
            assert moving == activity["moving_time"]
            if "altitude" in streams:
                climbed = sum(max(b - a, 0) for a, b in pairwise(streams["altitude"]))
                gain = activity["total_elevation_gain"]
                assert climbed == pytest.approx(gain, abs=max(1.0, gain * 0.05))
            if activity["has_heartrate"]:
                hr = streams["heartrate"]
                assert max(hr) == activity["max_heartrate"]
                assert sum(hr) / len(hr) == pytest.approx(activity["average_heartrate"], abs=1)
            else:
                assert "heartrate" not in streams
            if activity["trainer"]:
                assert "latlng" not in streams

    def test_the_same_activity_always_has_the_same_streams(self, http, tokens):
        activity = _runs(http, tokens, 1)[0]
        first = _streams(http, tokens, activity["id"]).json
        assert _streams(http, tokens, activity["id"]).json == first

    def test_only_the_keys_asked_come_and_without_key_by_type_as_a_list(self, http, tokens):
        activity = _runs(http, tokens, 1)[0]
        keyed = _streams(http, tokens, activity["id"], "time,heartrate,watts").json
        assert set(keyed) <= {"time", "heartrate"} and "time" in keyed
        listed = _streams(http, tokens, activity["id"], "time,distance", "false").json
        assert [s["type"] for s in listed] == ["time", "distance"]
        assert listed[0]["data"] == keyed["time"]["data"]

    def test_a_manual_entry_has_no_streams(self, http, tokens):
        created = http.post(
            "/admin/athletes/1/activities", json={"manual": True, "distance": 10000}
        ).json
        answer = _streams(http, tokens, created["id"])
        assert answer.status_code == 200 and answer.json == {}

    def test_an_edited_distance_gives_streams_that_end_there(self, http, tokens):
        activity = _runs(http, tokens, 1)[0]
        http.put(f"/admin/activities/{activity['id']}", json={"distance": 12345.6})
        streams = _streams(http, tokens, activity["id"]).json
        assert streams["distance"]["data"][-1] == 12345.6

    def test_without_keys_is_a_400_naming_keys(self, http, tokens):
        activity = _runs(http, tokens, 1)[0]
        answer = _streams(http, tokens, activity["id"], "")
        assert answer.status_code == 400
        assert answer.json["errors"][0]["field"] == "keys"

    def test_another_athletes_activity_is_not_found(self, http, tokens, grant):
        theirs = _runs(http, grant(2), 1)[0]["id"]
        assert _streams(http, tokens, theirs).status_code == 404

    def test_a_private_activity_needs_read_all(self, http, grant):
        every = http.get(
            "/api/v3/athlete/activities",
            query_string={"per_page": 200},
            headers=bearer(grant(1, "read,activity:read_all")),
        ).json
        private = next(a for a in every if a["private"])
        assert _streams(http, grant(1, "read,activity:read"), private["id"]).status_code == 404

    def test_a_token_without_activity_scope_is_refused(self, http, grant):
        activity = _runs(http, grant(1), 1)[0]
        assert _streams(http, grant(1, "read"), activity["id"]).status_code == 401

    def test_streams_are_metered_like_every_call(self, http, tokens):
        activity = _runs(http, tokens, 1)[0]  # one request
        answer = _streams(http, tokens, activity["id"])
        assert answer.headers["X-ReadRateLimit-Usage"] == "2,2"
