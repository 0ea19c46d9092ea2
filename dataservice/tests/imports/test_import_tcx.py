"""TCX files become runs computed from their trackpoints."""

from __future__ import annotations

import pytest

from dataservice.imports import FileRejected, parse_activity


def test_a_steady_tcx_run_has_its_distance_times_and_heart_rate(files):
    fixes = files.steady(10_000, 4, step=20, hr=150)  # 10 km at 4:10/km
    run = parse_activity("run.tcx", files.tcx(fixes, notes="Tempo on the river"))

    assert run.file_format == "tcx"
    assert run.start_time == files.START
    assert run.sport_type == "Run"
    assert run.title is None
    assert run.description == "Tempo on the river"
    assert run.distance == pytest.approx(10_000, abs=2)
    assert run.elapsed_time == 2500
    assert run.moving_time == 2500
    assert run.average_hr == 150
    assert run.max_hr == 150
    assert run.best_efforts == pytest.approx(
        {400: 100, 1000: 250, 1609: 402.25, 5000: 1250, 10000: 2500}, abs=0.5
    )


def test_tcx_sports_map_to_strava_names(files):
    fixes = files.steady(200, 5)
    assert parse_activity("a.tcx", files.tcx(fixes, sport="Biking")).sport_type == "Ride"
    assert parse_activity("a.tcx", files.tcx(fixes, sport="Other")).sport_type == "Workout"


def test_a_treadmill_tcx_without_positions_uses_the_recorded_distance(files):
    fixes = files.steady(3000, 3, step=30)
    run = parse_activity("treadmill.tcx", files.tcx(fixes, gps=False))

    assert run.distance == pytest.approx(3000)
    assert run.moving_time == 1000
    assert run.polyline is None
    assert all(p.lat is None and p.lon is None for p in run.points)
    assert run.best_efforts == pytest.approx({400: 133.3, 1000: 333.3, 1609: 536.3}, abs=0.5)


def test_a_tcx_with_elevation_reports_its_climb(files):
    fixes = [files.Fix(f.t, f.dist, ele=200 + f.dist / 100) for f in files.steady(3000, 3)]
    assert parse_activity("up.tcx", files.tcx(fixes)).elevation_gain == pytest.approx(30, abs=0.5)


def test_a_strava_tcx_with_blanks_before_the_declaration_is_read(files):
    content = b"          " + files.tcx(files.steady(500, 3))
    assert parse_activity("strava.tcx", content).distance == pytest.approx(500, abs=1)


def test_a_tcx_course_without_an_activity_is_refused():
    content = (
        b'<?xml version="1.0"?><TrainingCenterDatabase xmlns='
        b'"http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"><Courses/>'
        b"</TrainingCenterDatabase>"
    )
    with pytest.raises(FileRejected) as caught:
        parse_activity("course.tcx", content)
    assert caught.value.problem == "TCX: no activity in the file"


def test_a_tcx_with_a_bad_time_names_the_value(files):
    content = files.tcx_text(files.steady(100, 3)).replace("2024-05-01T07:00:00Z", "yesterday")
    with pytest.raises(FileRejected) as caught:
        parse_activity("bad.tcx", content.encode())
    assert caught.value.problem == "TCX: 'yesterday' is not a date and time"


def test_a_tcx_with_too_many_track_points_is_refused(files, monkeypatch):
    monkeypatch.setattr("dataservice.imports.tcx.MAX_POINTS", 10)
    with pytest.raises(FileRejected, match="TCX: too many track points"):
        parse_activity("huge.tcx", files.tcx(files.steady(1000, 3)))
