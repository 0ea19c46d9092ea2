"""Strava activities become Runnerly runs; other sports do not."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from strava_worker.mapping import cursor_starts, is_run, oldest_start, to_run

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


@pytest.mark.parametrize(
    "start_date",
    [
        "9999-12-31T10:00:00Z",
        "0001-01-01T00:00:00Z",
        "1969-12-31T23:59:59Z",
        "2101-01-01T00:00:00Z",
        "1970-01-01T00:30:00+01:00",  # 1969 in UTC
        "not a date",
        None,
    ],
)
def test_an_activity_outside_runnerlys_dates_is_skipped_with_a_log_line(start_date, caplog):
    # The dataservice refuses such a run, and would refuse the whole batch with it.
    activity = {**ACTIVITY, "start_date": start_date}
    with caplog.at_level(logging.WARNING, logger="strava_worker.mapping"):
        assert is_run(activity) is False
    assert "Strava activity 1010000990 skipped" in caplog.text


def test_a_page_with_one_activity_outside_the_dates_keeps_the_others():
    page = [
        {**ACTIVITY, "id": 1, "start_date": "2026-11-27T05:17:11Z"},
        {**ACTIVITY, "id": 2, "start_date": "9999-12-31T10:00:00Z"},
        {**ACTIVITY, "id": 3, "start_date": "1970-01-01T00:00:00Z"},
        {**ACTIVITY, "id": 4, "start_date": "2100-12-31T23:59:59Z"},
    ]
    assert [to_run(a)["external_id"] for a in page if is_run(a)] == ["1", "3", "4"]


def test_the_sync_cursor_never_moves_to_a_date_outside_the_range():
    # A cursor at 9999 would make every later incremental sync ask for nothing.
    page = [
        {**ACTIVITY, "start_date": "2026-11-27T05:17:11Z"},
        {**ACTIVITY, "start_date": "9999-12-31T10:00:00Z"},
    ]
    assert cursor_starts(page) == [datetime(2026, 11, 27, 5, 17, 11, tzinfo=UTC)]


def test_a_backfill_goes_on_below_a_page_from_a_date_the_dataservice_stores():
    page = [{**ACTIVITY, "start_date": d} for d in ("2026-11-27T05:17:11Z", "0001-01-01T00:00:00Z")]
    assert oldest_start(page) == datetime(1970, 1, 1, tzinfo=UTC)
    future = [{**ACTIVITY, "start_date": "9999-12-31T10:00:00Z"}]
    assert oldest_start(future) == datetime(2100, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert oldest_start([ACTIVITY]) == datetime(2026, 11, 27, 5, 17, 11, tzinfo=UTC)
