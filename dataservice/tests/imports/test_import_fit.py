"""FIT files, built with Garmin's encoder, become runs; broken FIT files are named as such."""

from __future__ import annotations

import gzip

import pytest

from dataservice.imports import FileRejected, parse_activity


def test_a_steady_fit_run_has_its_distance_times_heart_rate_and_climb(files):
    fixes = [
        files.Fix(f.t, f.dist, ele=100 + f.dist / 200, hr=140 + round(f.t) // 600)
        for f in files.steady(5000, 10 / 3, step=10)
    ]
    run = parse_activity("watch.fit", files.fit(fixes))

    assert run.file_format == "fit"
    assert run.start_time == files.START
    assert run.sport_type == "Run"
    assert run.title is None
    assert run.distance == pytest.approx(5000, abs=2)
    assert run.elapsed_time == 1500
    assert run.moving_time == 1500
    assert run.max_hr == 142
    assert 140 < run.average_hr < 142
    assert run.elevation_gain == pytest.approx(25, abs=0.5)
    assert run.best_efforts == pytest.approx(
        {400: 120, 1000: 300, 1609: 482.7, 5000: 1500}, abs=0.5
    )
    assert run.polyline


@pytest.mark.parametrize(
    ("sport", "sub_sport", "expected"),
    [
        ("running", "trail", "TrailRun"),
        ("running", "treadmill", "Run"),
        ("cycling", "road", "Ride"),
        ("walking", "generic", "Walk"),
        ("training", "strength_training", "Workout"),
    ],
)
def test_fit_sport_and_sub_sport_map_to_strava_names(files, sport, sub_sport, expected):
    content = files.fit(files.steady(200, 3), sport=sport, sub_sport=sub_sport)
    assert parse_activity("a.fit", content).sport_type == expected


def test_an_indoor_fit_without_positions_uses_the_device_distance(files):
    run = parse_activity("indoor.fit", files.fit(files.steady(2000, 4), gps=False))
    assert run.distance == pytest.approx(2000, abs=0.1)
    assert run.polyline is None
    assert run.best_efforts == pytest.approx({400: 100, 1000: 250, 1609: 402.25}, abs=0.5)


def test_a_truncated_fit_is_refused_as_truncated(files):
    content = files.fit(files.steady(1000, 3))
    for cut in (5, 13, len(content) // 2, len(content) - 1):
        with pytest.raises(FileRejected) as caught:
            parse_activity("cut.fit", content[:cut])
        assert caught.value.problem == "FIT: the file is truncated", cut


def test_a_fit_with_a_wrong_checksum_is_refused_as_corrupted(files):
    content = bytearray(files.fit(files.steady(1000, 3)))
    content[-1] ^= 0xFF
    with pytest.raises(FileRejected) as caught:
        parse_activity("bad.fit", bytes(content))
    assert caught.value.problem == "FIT: the checksum does not match, the file is corrupted"


def test_a_fit_with_a_bad_header_size_is_refused(files):
    content = bytearray(files.fit(files.steady(100, 3)))
    content[0] = 40
    with pytest.raises(FileRejected) as caught:
        parse_activity("bad.fit", bytes(content))
    assert caught.value.problem == "FIT: the file header is not valid"


def test_a_gzipped_fit_from_a_strava_export_is_read(files):
    content = gzip.compress(files.fit(files.steady(1000, 3)))
    assert parse_activity("12345.fit.gz", content).distance == pytest.approx(1000, abs=1)


def test_a_fit_with_too_many_records_stops_decoding_and_is_refused(files, monkeypatch):
    monkeypatch.setattr("dataservice.imports.fit.MAX_POINTS", 50)
    with pytest.raises(FileRejected, match="FIT: too many track points"):
        parse_activity("huge.fit", files.fit(files.steady(1000, 3)))
