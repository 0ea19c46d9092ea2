"""Strava activities become Runnerly runs; other sports do not."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from strava_worker.mapping import SetAside, cursor_starts, sort_page, to_run

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
def test_only_running_sports_are_runs_and_other_sports_are_deletions(sport, expected):
    # A run changed to a ride (its event lost) must leave Runnerly's totals.
    page = sort_page([{**ACTIVITY, "sport_type": sport}])
    assert bool(page.runs) is expected
    assert page.deleted == ([] if expected else [{"source": "strava", "external_id": "1010000990"}])


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
def test_an_activity_outside_runnerlys_dates_is_set_aside_with_its_reason(start_date, caplog):
    # The dataservice refuses such a run, and would refuse the whole batch with it.
    activity = {**ACTIVITY, "start_date": start_date}
    with caplog.at_level(logging.WARNING, logger="strava_worker.mapping"):
        page = sort_page([activity])
    assert page.runs == []
    [aside] = page.set_aside
    assert aside["external_id"] == "1010000990" and aside["title"] == "Morning Run"
    assert "start date" in aside["reason"] and aside["start_time"] is None
    assert "Strava activity 1010000990 set aside" in caplog.text


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        # Shown to the runner on the Strava page as it is: words, hours, kilometres.
        (
            "elapsed_time",
            4_204_800,  # 1,168 hours: a watch left running
            "Its elapsed time (1,168 h) is more than Runnerly keeps (at most 556 h)",
        ),
        (
            "distance",
            2_000_000.0,
            "Its distance (2,000 km) is more than Runnerly keeps (at most 1,000 km)",
        ),
        ("moving_time", -5, "Its moving time (-5 s) is below zero"),
        ("distance", "ten k", "Its distance ('ten k') is not a number"),
        ("moving_time", float("nan"), "is not a number"),
    ],
)
def test_a_distance_or_time_runnerly_cannot_store_sets_the_activity_aside(field, value, words):
    page = sort_page([{**ACTIVITY, "id": 1}, {**ACTIVITY, "id": 2, field: value}])
    assert [r["external_id"] for r in page.runs] == ["1"]
    [aside] = page.set_aside
    assert aside["external_id"] == "2" and words in aside["reason"]
    assert aside["start_time"] == "2026-11-27T05:17:11+00:00"


@pytest.mark.parametrize(
    ("theirs", "ours", "value"),
    [
        ("average_heartrate", "average_hr", 999.0),  # a broken strap
        ("max_heartrate", "max_hr", 5.0),
        ("max_speed", "max_speed", 900.0),  # a GPS jump
        ("total_elevation_gain", "elevation_gain", -3.0),
    ],
)
def test_an_optional_value_runnerly_cannot_store_is_left_out_and_the_run_kept(theirs, ours, value):
    [run] = sort_page([{**ACTIVITY, theirs: value}]).runs
    assert ours not in run
    assert run["distance"] == 10452.8


def test_a_manual_entry_without_times_or_map_is_a_run():
    manual = {
        "id": 7,
        "name": "Treadmill",
        "sport_type": "Run",
        "start_date": "2026-11-27T05:17:11Z",
        "distance": 0,
        "map": {"summary_polyline": ""},
    }
    [run] = sort_page([manual]).runs
    assert run["distance"] == 0 and run["moving_time"] == 0 and "polyline" not in run


def test_an_activity_without_a_usable_id_is_skipped_and_the_rest_kept():
    page = sort_page([{**ACTIVITY, "id": None}, {**ACTIVITY, "id": True}, "junk", ACTIVITY])
    assert [r["external_id"] for r in page.runs] == ["1010000990"]
    assert page.ids == {1010000990}


def test_to_run_names_the_problem():
    with pytest.raises(SetAside, match="Its elapsed time"):
        to_run({**ACTIVITY, "elapsed_time": 10**9})


def test_the_sync_cursor_never_moves_to_a_date_outside_the_range():
    # A cursor at 9999 would make every later incremental sync ask for nothing.
    page = [
        {**ACTIVITY, "start_date": "2026-11-27T05:17:11Z"},
        {**ACTIVITY, "start_date": "9999-12-31T10:00:00Z"},
        {**ACTIVITY, "start_date": None},
    ]
    assert cursor_starts(page) == [datetime(2026, 11, 27, 5, 17, 11, tzinfo=UTC)]


def test_a_title_loses_what_no_database_keeps_and_keeps_the_rest():
    [run] = sort_page([{**ACTIVITY, "name": "Tempo\x00 run \ud83d"}]).runs
    assert run["title"] == "Tempo run"
    [run] = sort_page([{**ACTIVITY, "name": "\x00"}]).runs
    assert run["title"] == "Run"


def test_an_elapsed_time_shorter_than_the_moving_time_becomes_the_moving_time():
    # A manual entry may give only a moving time; the dataservice refuses elapsed < moving.
    [run] = sort_page([{**ACTIVITY, "moving_time": 1800, "elapsed_time": None}]).runs
    assert run["moving_time"] == 1800 and run["elapsed_time"] == 1800
    [run] = sort_page([{**ACTIVITY, "moving_time": 2000, "elapsed_time": 1990}]).runs
    assert run["elapsed_time"] == 2000


PARIS = {
    **ACTIVITY,
    "start_date": "2026-01-31T23:30:00Z",
    "start_date_local": "2026-02-01T00:30:00Z",
    "timezone": "(GMT+01:00) Europe/Paris",
    "utc_offset": 3600.0,
}


class TestWhereItWasRun:
    """Strava's zone and offset go with the run: the runner's calendar is local."""

    def test_the_offset_and_zone_are_sent(self):
        run = to_run(PARIS)
        assert (run["utc_offset"], run["timezone"]) == (3600, "Europe/Paris")

    def test_without_utc_offset_the_local_start_gives_it(self):
        run = to_run({k: v for k, v in PARIS.items() if k != "utc_offset"})
        assert run["utc_offset"] == 3600

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("timezone", "(GMT+01:00) Europe/Atlantis"),
            ("timezone", 42),
            ("timezone", "(GMT+01:00)"),
            ("utc_offset", "NaN"),
            ("utc_offset", 999999.0),
            ("utc_offset", True),
        ],
    )
    def test_a_garbled_value_is_left_out_not_the_run(self, field, value):
        activity = {**PARIS, field: value}
        if field == "utc_offset":
            activity["start_date_local"] = "not a date"
        run = to_run(activity)
        assert field not in run
        assert run["external_id"] == "1010000990"

    def test_an_activity_without_them_is_left_to_the_runners_zone(self):
        run = to_run(ACTIVITY)
        assert "utc_offset" not in run and "timezone" not in run


@pytest.mark.parametrize(
    ("gear_id", "sent"),
    [("g1234", "g1234"), ("b77", "b77"), (None, None), ("", None), (12, None), ("g" * 31, None)],
)
def test_strava_gear_id_goes_to_the_dataservice_as_sent_when_it_is_an_id(gear_id, sent):
    """The dataservice decides what a shoe is (a bike's "b" id maps to no pair there)."""
    run = to_run({**ACTIVITY, "gear_id": gear_id})
    assert run.get("strava_gear_id") == sent
