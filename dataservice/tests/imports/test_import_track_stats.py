"""Best efforts, top speed, spike filtering and climb are computed as a runner expects."""

from __future__ import annotations

import polyline
import pytest

from dataservice.imports import BEST_EFFORT_DISTANCES, parse_activity
from dataservice.imports.efforts import best_efforts
from dataservice.imports.model import TrackPoint
from dataservice.imports.sport import sport_type
from dataservice.imports.summary import encode_polyline
from dataservice.imports.totals import elevation_gain


def _fast_middle(files):
    """10 km: 4 km at 5:00/km, 2 km at 4:00/km, 4 km at 5:00/km (2,880 s in all)."""
    slow, fast = 1000 / 300, 1000 / 240
    first = files.steady(4000, slow)
    middle = files.steady(2000, fast, t0=1200, d0=4000)[1:]
    last = files.steady(4000, slow, t0=1680, d0=6000)[1:]
    return first + middle + last


def test_best_efforts_find_the_fast_middle_section(files):
    run = parse_activity("intervals.gpx", files.gpx(_fast_middle(files)))

    assert run.elapsed_time == 2880
    kilometres = {d: run.best_efforts[d] for d in (1000, 5000, 10000)}
    assert kilometres == {1000: 240, 5000: 480 + 900, 10000: 2880}
    assert run.best_efforts[400] == 96  # within the fast middle, at 4:00/km


def test_best_efforts_only_cover_distances_the_track_reaches(files):
    run = parse_activity("short.gpx", files.gpx(files.steady(4990, 3)))
    assert set(run.best_efforts) == {400, 1000, 1609}


def test_a_marathon_track_has_every_best_effort(files):
    run = parse_activity("marathon.gpx", files.gpx(files.steady(42_200, 3, step=100)))
    assert set(run.best_efforts) == set(BEST_EFFORT_DISTANCES)
    assert run.best_efforts[42195] == pytest.approx(42195 / 3, abs=0.001)
    assert run.best_efforts[21097] == pytest.approx(21097 / 3, abs=0.001)


def test_best_efforts_interpolate_between_sparse_points():
    # points every 400 m, each stretch at its own pace: the fast 1 km straddles points
    points = [
        TrackPoint(t, None, None, None, None, d)
        for t, d in [(0, 0), (160, 400), (260, 800), (360, 1200), (520, 1600), (680, 2000)]
    ]  # 400 m in 160 s, then 400 m in 100 s twice, then 160 s
    # fastest 1 km: 800 m fast (200 s) + 200 m at 2.5 m/s (80 s) = 280 s
    assert best_efforts(points, (1000,)) == {1000: 280}


def test_the_best_effort_includes_a_pause_inside_it(files):
    before = files.steady(600, 4)  # 150 s
    after = files.steady(600, 4, t0=250, d0=600)  # stops 100 s at 600 m
    # any 1 km window must include the stop: 1000 m / 4 m/s + 100 s
    run = parse_activity("stop.gpx", files.gpx(before + after))
    assert run.best_efforts[1000] == 350


def test_max_speed_ignores_a_single_misplaced_point(files):
    fixes = files.steady(1000, 3, step=3)  # a point every second
    fixes[150] = files.Fix(150, fixes[150].dist + 8)  # 8 m ahead: 11 m/s for one second
    run = parse_activity("jitter.gpx", files.gpx(fixes))
    assert run.max_speed < 4.8
    assert run.average_speed == pytest.approx(3, rel=0.02)


def test_a_gps_spike_neither_lengthens_the_run_nor_sets_a_record(files):
    fixes = files.steady(2000, 3, step=3)
    fixes[300] = files.Fix(300, fixes[300].dist, east=300)  # jumps 300 m sideways and back
    run = parse_activity("spike.gpx", files.gpx(fixes))

    assert run.distance == pytest.approx(2000, abs=1)
    assert run.best_efforts[1000] == pytest.approx(333, abs=1)
    assert run.points[300].lat is None


def test_a_jump_the_track_carries_on_from_is_kept_not_taken_for_a_spike(files):
    before = files.steady(1000, 3)
    after = files.steady(1000, 3, t0=340, d0=3000)  # goes on 2 km further, 7 s later
    run = parse_activity("jump.gpx", files.gpx(before + after))
    assert run.distance == pytest.approx(4000, abs=1)
    assert all(p.lat is not None for p in run.points)


def test_elevation_gain_counts_each_climb_of_a_hilly_run():
    profile = [100, 110, 120, 115, 104, 120, 130, 129, 131, 100, 101, 100]
    points = [TrackPoint(i, None, None, e, None, 0) for i, e in enumerate(profile)]
    # 100 -> 120, then 104 -> 131; the 1 m wiggles at 129..131 and 100..101 are noise
    assert elevation_gain(points) == pytest.approx(20 + 27)


def test_the_polyline_keeps_the_first_and_last_position_when_downsampled():
    points = [TrackPoint(i, 45 + i * 1e-4, 7.0, None, None, i * 11.1) for i in range(1234)]
    decoded = polyline.decode(encode_polyline(points, limit=100), 5)
    assert len(decoded) <= 100
    assert decoded[0] == pytest.approx((45.0, 7.0))
    assert decoded[-1] == pytest.approx((45 + 1233e-4, 7.0))


@pytest.mark.parametrize(
    ("sport", "sub_sport", "expected"),
    [
        (None, None, "Run"),
        ("", None, "Run"),
        ("Running", None, "Run"),
        ("9", None, "Run"),
        ("trail_running", None, "TrailRun"),
        ("running", "trail", "TrailRun"),
        ("Nordic Walking", None, "Walk"),
        ("mountain_biking", None, "Ride"),
        ("open water swimming", None, "Swim"),
        ("yoga", None, "Workout"),
    ],
)
def test_sport_labels_map_to_strava_sport_types(sport, sub_sport, expected):
    assert sport_type(sport, sub_sport) == expected
