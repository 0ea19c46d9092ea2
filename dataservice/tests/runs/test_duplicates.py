"""The duplicate rule (runs.duplicates): reference cases a runner recognises, and its
invariants over generated runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dataservice.runs.duplicates import Effort, pairs, same_effort, window

MORNING = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


def effort(
    id: int, start_s: float, elapsed: int, moving: int, km: float, day: datetime = MORNING
) -> Effort:
    return Effort(id, day + timedelta(seconds=start_s), elapsed, moving, km * 1000)


class TestReferenceCases:
    def test_the_watch_file_of_a_strava_run_is_the_same_effort(self):
        strava = effort(1, 0, 3060, 3000, 10.0)
        watch = effort(2, 4, 3052, 2985, 10.08)  # the file starts when GPS locks
        assert same_effort(strava, watch)

    def test_a_phone_that_measured_six_percent_short_is_still_the_same_effort(self):
        assert same_effort(effort(1, 0, 1860, 1800, 5.0), effort(2, -20, 1900, 1750, 4.7))

    def test_a_warm_up_and_the_race_right_after_it_are_two_runs(self):
        warm_up = effort(1, 0, 1200, 1200, 3.0)
        race = effort(2, 1200, 1200, 1150, 5.0)  # starts as the warm-up ends: they touch
        assert not same_effort(warm_up, race)

    def test_two_equal_runs_of_one_day_that_merely_touch_are_two_runs(self):
        assert not same_effort(effort(1, 0, 1800, 1800, 5.0), effort(2, 1800, 1800, 1800, 5.0))

    def test_the_same_loop_morning_and_evening_is_two_runs(self):
        assert not same_effort(effort(1, 0, 1800, 1790, 5.0), effort(2, 11 * 3600, 1800, 1790, 5.0))

    def test_half_an_hour_inside_a_long_run_is_not_the_long_run(self):
        long_run = effort(1, 0, 7200, 7000, 22.0)
        inside = effort(2, 1800, 1800, 1800, 5.5)
        assert not same_effort(long_run, inside)

    def test_a_quarter_shifted_run_overlaps_too_little(self):
        # 75 % of the longer shared: one recording started a quarter of an hour late
        assert not same_effort(effort(1, 0, 3600, 3500, 10.0), effort(2, 900, 3600, 3500, 10.0))

    def test_the_same_time_but_a_ride_s_distance_is_not_the_run(self):
        assert not same_effort(effort(1, 0, 3600, 3500, 10.0), effort(2, 0, 3600, 3500, 25.0))

    def test_a_run_is_not_its_own_duplicate(self):
        a = effort(1, 0, 1800, 1800, 5.0)
        assert not same_effort(a, a)


times = st.integers(min_value=-20_000, max_value=20_000)
durations = st.integers(min_value=0, max_value=30_000)
distances = st.floats(min_value=0, max_value=60_000, allow_nan=False)


@st.composite
def efforts(draw: st.DrawFn, id: int | None = None) -> Effort:
    elapsed = draw(durations)
    moving = draw(st.integers(min_value=0, max_value=elapsed))
    return Effort(
        id if id is not None else draw(st.integers(1, 10**6)),
        MORNING + timedelta(seconds=draw(times)),
        elapsed,
        moving,
        draw(distances),
    )


@st.composite
def near_copies(draw: st.DrawFn) -> tuple[Effort, Effort]:
    """A run and a second recording of about it: the cases near the rule's edges."""
    a = draw(efforts(id=1))
    shift = draw(st.integers(-a.elapsed_time // 4 - 1, a.elapsed_time // 4 + 1))
    scale = draw(st.floats(0.8, 1.2))
    elapsed = max(0, round(a.elapsed_time * draw(st.floats(0.8, 1.2))))
    b = Effort(
        2,
        a.start + timedelta(seconds=shift),
        elapsed,
        min(elapsed, round(a.moving_time * scale)),
        a.distance * draw(st.floats(0.85, 1.15)),
    )
    return a, b


class TestInvariants:
    @given(st.one_of(st.tuples(efforts(id=1), efforts(id=2)), near_copies()))
    @settings(max_examples=400)
    def test_the_rule_is_symmetric(self, pair):
        a, b = pair
        assert same_effort(a, b) == same_effort(b, a)

    @given(efforts(id=1), st.integers(0, 10_000), durations, distances)
    def test_runs_that_touch_or_are_apart_are_never_one(self, a, gap, elapsed, distance):
        later = Effort(2, a.end + timedelta(seconds=gap), elapsed, elapsed, distance)
        assert not same_effort(a, later)
        assert not same_effort(later, a)

    @given(efforts(id=1))
    def test_a_second_recording_of_exactly_the_run_is_one_with_it(self, a):
        copy = Effort(2, a.start, a.elapsed_time, a.moving_time, a.distance)
        assert same_effort(a, copy) == (a.elapsed_time > 0)

    @given(st.one_of(st.tuples(efforts(id=1), efforts(id=2)), near_copies()))
    @settings(max_examples=400)
    def test_a_duplicate_starts_within_the_window_the_database_is_asked_for(self, pair):
        a, b = pair
        if same_effort(a, b):
            low, high = window(a)
            assert low <= b.start <= high
            low, high = window(b)
            assert low <= a.start <= high

    @given(st.lists(st.one_of(efforts(), near_copies().map(lambda p: p[1])), max_size=12))
    @settings(max_examples=200)
    def test_the_sweep_finds_exactly_the_pairs_a_comparison_of_all_finds(self, found):
        unique = list({e.id: e for e in found}.values())
        everything = {
            (min(a.id, b.id), max(a.id, b.id))
            for a, b in combinations(unique, 2)
            if same_effort(a, b)
        }
        assert set(pairs(unique)) == everything


@pytest.mark.parametrize(
    ("distance_km", "merged"),
    [(10.0, True), (9.0, True), (8.99, False), (11.1, True), (11.2, False)],
)
def test_distances_agree_within_ten_percent_of_the_longer(distance_km, merged):
    assert (
        same_effort(effort(1, 0, 3000, 3000, 10.0), effort(2, 0, 3000, 3000, distance_km)) is merged
    )
