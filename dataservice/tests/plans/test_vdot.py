"""Daniels' VDOT and training paces against his published tables (Daniels' Running
Formula): a runner reads these figures in the book and on every VDOT calculator."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dataservice.plans.vdot import race_time, training_paces, vdot


def clock(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}:{rest:02d}"


def test_a_5k_in_20_minutes_is_vdot_49_8():
    assert vdot(5000, 20 * 60) == pytest.approx(49.8, abs=0.05)


@pytest.mark.parametrize(
    ("fitness", "easy", "marathon", "threshold", "interval", "repetition"),
    [
        # Daniels' table: M, T and I per km, R per 400 m (x 2.5); E within his range.
        (40, "6:07", "5:27", "5:06", "4:41", "4:26"),
        (50, "5:07", "4:31", "4:15", "3:55", "3:40"),
        (60, "4:25", "3:52", "3:40", "3:23", "3:08"),
    ],
)
def test_training_paces_match_daniels_tables(
    fitness, easy, marathon, threshold, interval, repetition
):
    paces = training_paces(fitness)
    assert [clock(p) for p in (paces.E, paces.M, paces.T, paces.I, paces.R)] == [
        easy,
        marathon,
        threshold,
        interval,
        repetition,
    ]


@pytest.mark.parametrize(
    ("fitness", "distance", "published"),
    [(50, 5000, 19 * 60 + 57), (50, 42195, 3 * 3600 + 10 * 60 + 49), (60, 5000, 17 * 60 + 3)],
)
def test_race_times_match_daniels_tables_within_15_seconds(fitness, distance, published):
    assert race_time(fitness, distance) == pytest.approx(published, abs=15)


@given(st.floats(30, 85), st.sampled_from((1500, 3000, 5000, 10000, 21097, 42195)))
def test_a_race_time_gives_back_its_vdot(fitness, distance):
    assert vdot(distance, race_time(fitness, distance)) == pytest.approx(fitness, abs=1e-6)


@given(st.floats(30, 85))
def test_paces_run_from_repetitions_fastest_to_easy_slowest(fitness):
    p = training_paces(fitness)
    assert p.R < p.I < p.T < p.M < p.E
