"""Privacy zones hide a shared route's ends: the haversine distance they measure with, and
the trimming's properties."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dataservice.imports.track import EARTH_RADIUS_M, haversine
from dataservice.sharing.zones import Zone, bounds, inside, trim


class TestHaversine:
    def test_one_degree_of_latitude_is_the_mean_radius_times_pi_over_180(self):
        assert haversine(0, 0, 1, 0) == pytest.approx(111_195.08, abs=0.01)
        assert haversine(45, 7, 46, 7) == pytest.approx(EARTH_RADIUS_M * math.pi / 180)

    def test_nashville_to_los_angeles_as_rosetta_code_gives_it(self):
        # Rosetta Code "Haversine formula": BNA (36.12, -86.67) to LAX (33.94, -118.40) is
        # 2887.2599506071106 km on a 6372.8 km sphere; ours has the IUGG mean radius.
        expected = 2887.2599506071106e3 * EARTH_RADIUS_M / 6_372_800
        assert haversine(36.12, -86.67, 33.94, -118.40) == pytest.approx(expected, rel=1e-9)

    def test_a_degree_of_longitude_shrinks_with_the_cosine_of_latitude(self):
        at_60 = haversine(60, 10, 60, 11)
        assert at_60 == pytest.approx(111_195.08 * math.cos(math.radians(60)), rel=1e-3)

    def test_the_same_point_is_zero_and_antipodes_are_half_the_circumference(self):
        assert haversine(48.1, 2.3, 48.1, 2.3) == 0
        assert haversine(0, 0, 0, 180) == pytest.approx(math.pi * EARTH_RADIUS_M)


HOME = Zone(48.0, 2.0, 300)
# 11 points due north, 0.001 degree (about 111 m) apart.
LINE = [(48.0 + i * 0.001, 2.0) for i in range(11)]


class TestTrim:
    def test_the_start_inside_a_zone_is_cut_until_the_track_leaves_it(self):
        kept = trim(LINE, [HOME])
        assert kept == LINE[3:]  # 0, 111, 222 m are inside 300 m; 333 m is not

    def test_the_end_is_cut_the_same_way(self):
        work = Zone(48.010, 2.0, 150)
        assert trim(LINE, [HOME, work]) == LINE[3:9]

    def test_a_pass_through_a_zone_mid_route_stays(self):
        there_and_back = [*LINE, *reversed(LINE)]
        middle = Zone(48.010, 2.0, 150)
        assert trim(there_and_back, [middle]) == there_and_back

    def test_a_route_inside_zones_is_no_route(self):
        assert trim(LINE, [Zone(48.005, 2.0, 1000)]) == []
        assert bounds([]) is None

    def test_no_zone_changes_nothing(self):
        assert trim(LINE, []) == LINE

    def test_the_bounds_are_the_kept_points_only(self):
        assert bounds(trim(LINE, [HOME])) == [[48.003, 2.0], [48.01, 2.0]]


points = st.lists(
    st.tuples(st.floats(47.99, 48.01, allow_nan=False), st.floats(1.99, 2.01, allow_nan=False)),
    max_size=40,
)
zones = st.lists(
    st.builds(
        Zone,
        st.floats(47.99, 48.01, allow_nan=False),
        st.floats(1.99, 2.01, allow_nan=False),
        st.integers(100, 1000),
    ),
    max_size=4,
)


@settings(max_examples=300, deadline=None)
@given(points, zones)
def test_trimming_leaves_a_contiguous_part_whose_ends_lie_outside_every_zone(route, found):
    kept = trim(route, found)
    if kept:
        assert not inside(kept[0], found) and not inside(kept[-1], found)
        for zone in found:
            for end in (kept[0], kept[-1]):
                assert haversine(end[0], end[1], zone.lat, zone.lon) > zone.radius
        starts = [i for i in range(len(route)) if route[i : i + len(kept)] == kept]
        assert starts, "the shared track is a contiguous part of the route"
        # Nothing more than needed is cut: every point before the kept part is inside.
        assert all(inside(p, found) for p in route[: starts[0]])
        assert all(inside(p, found) for p in route[starts[0] + len(kept) :])
    else:
        assert all(inside(p, found) for p in route)
