"""Strava activities become Runnerly runs; other sports do not."""

from __future__ import annotations

import pytest

from strava_worker.mapping import is_run, to_run

ACTIVITY = {
    "id": 1010000990,
    "name": "Morning Run",
    "distance": 10452.8,
    "moving_time": 2791,
    "elapsed_time": 2913,
    "total_elevation_gain": 45.2,
    "type": "Run",
    "sport_type": "TrailRun",
    "start_date": "2026-11-27T05:17:11Z",
    "average_speed": 3.745,
    "max_speed": 4.85,
    "average_heartrate": 151.2,
    "max_heartrate": 178.0,
    "map": {"summary_polyline": "abc"},
}


def test_a_run_keeps_its_strava_identity_and_measures():
    run = to_run(ACTIVITY)
    assert run["source"] == "strava" and run["external_id"] == "1010000990"
    assert run["title"] == "Morning Run"
    assert run["start_time"] == "2026-11-27T05:17:11+00:00"
    assert run["average_hr"] == 151.2 and run["elevation_gain"] == 45.2
    assert run["polyline"] == "abc" and run["sport_type"] == "TrailRun"


def test_missing_heart_rate_is_left_out_not_zero():
    run = to_run({k: v for k, v in ACTIVITY.items() if "heartrate" not in k})
    assert "average_hr" not in run and "max_hr" not in run


@pytest.mark.parametrize(
    ("sport", "expected"),
    [
        ("Run", True),
        ("TrailRun", True),
        ("VirtualRun", True),
        ("Ride", False),
        ("Walk", False),
    ],
)
def test_only_running_sports_are_runs(sport, expected):
    assert is_run({**ACTIVITY, "sport_type": sport}) is expected
