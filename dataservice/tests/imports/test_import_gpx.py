"""GPX files become runs whose figures match the track's known geometry."""

from __future__ import annotations

import polyline
import pytest

from dataservice.imports import FileRejected, ParsedActivity, parse_activity


def test_a_steady_gpx_run_has_its_distance_times_speed_and_labels(files):
    fixes = files.steady(5000, 10 / 3)  # 5 km at 5:00/km, a point every 10 m
    run = parse_activity("morning.gpx", files.gpx(fixes, name="Morning run", kind="running"))

    assert isinstance(run, ParsedActivity)
    assert run.file_format == "gpx"
    assert run.start_time == files.START
    assert run.start_time.utcoffset().total_seconds() == 0
    assert run.title == "Morning run"
    assert run.description is None
    assert run.sport_type == "Run"
    assert run.distance == pytest.approx(5000, abs=1)
    assert run.elapsed_time == 1500
    assert run.moving_time == 1500
    assert run.average_speed == pytest.approx(10 / 3, rel=1e-3)
    assert run.max_speed == pytest.approx(10 / 3, rel=1e-3)
    assert run.best_efforts == pytest.approx(
        {400: 120, 1000: 300, 1609: 482.7, 5000: 1500}, abs=0.5
    )
    assert len(run.points) == 501
    assert run.points[-1].t == 1500
    assert run.points[-1].dist == pytest.approx(5000, abs=1)


def test_a_gpx_without_a_type_is_a_run_and_a_trail_type_is_a_trail_run(files):
    fixes = files.steady(100, 3)
    assert parse_activity("a.gpx", files.gpx(fixes)).sport_type == "Run"
    assert parse_activity("a.gpx", files.gpx(fixes, kind="Trail Running")).sport_type == "TrailRun"
    assert parse_activity("a.gpx", files.gpx(fixes, kind="hiking")).sport_type == "Hike"


def test_heart_rate_is_read_from_the_garmin_extension(files):
    first = files.steady(1000, 10 / 3, hr=150)
    second = files.steady(1000, 10 / 3, t0=300, d0=1000, hr=160)[1:]
    run = parse_activity("hr.gpx", files.gpx(first + second))

    assert run.max_hr == 160
    assert run.average_hr == pytest.approx(155, abs=0.1)
    assert {p.hr for p in run.points} == {150, 160}


def test_a_gpx_without_heart_rate_has_none(files):
    run = parse_activity("nohr.gpx", files.gpx(files.steady(1000, 3)))
    assert run.average_hr is None
    assert run.max_hr is None
    assert all(p.hr is None for p in run.points)


def test_standing_still_counts_in_elapsed_but_not_in_moving_time(files):
    before = files.steady(1000, 10 / 3)  # 300 s
    standing = [files.Fix(300 + s, 1000) for s in range(3, 121, 3)]  # 2 min at a light
    after = files.steady(1000, 10 / 3, t0=420, d0=1000)[1:]
    run = parse_activity("pause.gpx", files.gpx(before + standing + after))

    assert run.distance == pytest.approx(2000, abs=1)
    assert run.elapsed_time == 720
    assert run.moving_time == 600
    assert run.average_speed == pytest.approx(2000 / 600, rel=1e-3)
    assert run.best_efforts == pytest.approx({400: 120, 1000: 300, 1609: 602.7}, abs=0.5)


def test_an_auto_paused_gap_without_points_is_not_moving_time(files):
    before = files.steady(1000, 10 / 3)
    after = files.steady(1000, 10 / 3, t0=900, d0=1000)  # resumes 10 min later, same place
    run = parse_activity("gap.gpx", files.gpx(before + after))

    assert run.elapsed_time == 1200
    assert run.moving_time == 600


def test_elevation_jitter_of_one_metre_gains_nothing(files):
    fixes = [
        files.Fix(f.t, f.dist, ele=100 + (1 if i % 2 else -1))
        for i, f in enumerate(files.steady(3000, 3))
    ]
    assert parse_activity("flat.gpx", files.gpx(fixes)).elevation_gain == 0


def test_a_real_climb_is_counted_once_despite_jitter(files):
    fixes = [
        files.Fix(f.t, f.dist, ele=100 + f.dist / 40 + (0.8 if i % 2 else -0.8))
        for i, f in enumerate(files.steady(2000, 3))
    ]  # climbs 50 m over 2 km
    gain = parse_activity("hill.gpx", files.gpx(fixes)).elevation_gain
    assert gain == pytest.approx(50, abs=2)


def test_a_gpx_without_elevation_has_no_elevation_gain(files):
    assert parse_activity("a.gpx", files.gpx(files.steady(500, 3))).elevation_gain is None


def test_the_polyline_follows_the_track_with_at_most_500_points(files):
    fixes = files.steady(20_000, 4)  # 2001 points
    run = parse_activity("long.gpx", files.gpx(fixes))
    decoded = polyline.decode(run.polyline, 5)

    assert len(decoded) <= 500
    assert decoded[0] == pytest.approx((fixes[0].lat, fixes[0].lon), abs=1e-5)
    assert decoded[-1] == pytest.approx((fixes[-1].lat, fixes[-1].lon), abs=1e-5)


def test_points_out_of_time_order_are_sorted_into_the_run_as_it_happened(files):
    fixes = files.steady(2000, 4)
    shuffled = fixes[100:] + fixes[:100]  # second half written first
    run = parse_activity("laps.gpx", files.gpx(shuffled))

    assert run.distance == pytest.approx(2000, abs=1)
    assert run.elapsed_time == 500
    assert [p.t for p in run.points] == sorted(p.t for p in run.points)


def test_points_without_a_time_are_left_out(files):
    fixes = files.steady(1000, 4)
    fixes[50] = files.Fix(0, 5000, timed=False)  # an untimed point far off the route
    run = parse_activity("partial.gpx", files.gpx(fixes))
    assert run.distance == pytest.approx(1000, abs=1)
    assert len(run.points) == len(fixes) - 1


def test_a_gpx_latin1_file_keeps_its_accented_title(files):
    text = files.gpx_text(files.steady(200, 3), name="Café au lait")
    content = text.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').encode("latin-1")
    assert parse_activity("cafe.gpx", content).title == "Café au lait"


@pytest.mark.parametrize(
    ("fixes", "problem"),
    [
        ([], "GPX: no track points"),
        ("untimed", "GPX: no track points with times"),
        ("one", "GPX: the track needs at least two points at different times"),
    ],
)
def test_a_gpx_that_holds_no_timed_track_is_refused(files, fixes, problem):
    if fixes == "untimed":
        fixes = [files.Fix(f.t, f.dist, timed=False) for f in files.steady(100, 3)]
    elif fixes == "one":
        fixes = files.steady(100, 3)[:1]
    with pytest.raises(FileRejected) as caught:
        parse_activity("route.gpx", files.gpx(fixes))
    assert caught.value.problem == problem


def test_a_gpx_with_a_latitude_out_of_range_is_refused(files):
    content = files.gpx_text(files.steady(100, 3)).replace('lat="45.00000000"', 'lat="95.0"')
    with pytest.raises(FileRejected, match="latitude or longitude out of range"):
        parse_activity("bad.gpx", content.encode())


def test_a_gpx_with_a_value_that_is_not_a_number_is_refused(files):
    content = files.gpx_text(files.steady(100, 3)).replace('lat="45.00000000"', 'lat="north"')
    with pytest.raises(FileRejected) as caught:
        parse_activity("bad.gpx", content.encode())
    assert caught.value.problem.startswith("GPX: invalid data")


def test_a_gpx_with_too_many_track_points_is_refused(files, monkeypatch):
    monkeypatch.setattr("dataservice.imports.gpx.MAX_POINTS", 100)
    with pytest.raises(FileRejected, match="GPX: too many track points"):
        parse_activity("huge.gpx", files.gpx(files.steady(2000, 3)))


def test_times_with_an_offset_become_utc_and_times_without_one_are_taken_as_utc(files):
    text = files.gpx_text(files.steady(300, 3))
    with_offset = text.replace("Z</time>", "+02:00</time>").replace("T07:", "T09:")
    run = parse_activity("paris.gpx", with_offset.encode())
    assert run.start_time == files.START
    assert run.start_time.tzinfo is not None
    naive = parse_activity("naive.gpx", text.replace("Z</time>", "</time>").encode())
    assert naive.start_time == files.START
    assert naive.elapsed_time == run.elapsed_time == 100


def test_a_very_long_name_is_cut_to_the_title_column(files):
    run = parse_activity("long.gpx", files.gpx(files.steady(100, 3), name="  " + "x" * 1000))
    assert run.title == "x" * 255
