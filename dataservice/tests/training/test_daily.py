"""Fitness, fatigue and form: the Performance Manager's exponentially weighted averages
(Allen & Coggan, *Training and Racing with a Power Meter*, 2nd ed. 2010: CTL over 42
days, ATL over 7, each day ``x + (load − x) / days``; TSB = yesterday's CTL − ATL)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dataservice.training import daily

DAY0 = date(2026, 3, 2)


def test_one_load_of_100_from_nothing() -> None:
    """Day 0: CTL 100/42 = 2.380952, ATL 100/7 = 14.285714, TSB 0 (yesterday's nothing);
    day 1: CTL 2.380952 × 41/42 = 2.324263, ATL 14.285714 × 6/7 = 12.244898,
    TSB 2.380952 − 14.285714 = −11.904762."""
    first, second = daily.days(DAY0, DAY0 + timedelta(days=1), {DAY0: 100.0})
    assert (first.fitness, first.fatigue, first.form) == pytest.approx((2.380952, 14.285714, 0))
    assert (second.fitness, second.fatigue, second.form) == pytest.approx(
        (2.324263, 12.244898, -11.904762)
    )


def test_a_steady_load_becomes_fitness_and_fatigue_alike() -> None:
    last = DAY0 + timedelta(days=999)
    loads = {DAY0 + timedelta(days=i): 60.0 for i in range(1000)}
    final = list(daily.days(DAY0, last, loads))[-1]
    assert final.fitness == pytest.approx(60, abs=1e-6)
    assert final.fatigue == pytest.approx(60, abs=1e-9)
    assert final.form == pytest.approx(0, abs=1e-6)


def test_fitness_is_more_than_half_way_to_a_new_load_after_29_days() -> None:
    """A 42-day constant: 1 − (41/42)^29 = 0.503, the half-life being about 29 days."""
    last = DAY0 + timedelta(days=28)
    loads = {DAY0 + timedelta(days=i): 100.0 for i in range(29)}
    assert list(daily.days(DAY0, last, loads))[-1].fitness == pytest.approx(50.3, abs=0.1)


@given(fitness=st.floats(0, 500), fatigue=st.floats(0, 500), gap=st.integers(0, 400))
def test_decay_is_the_days_without_load(fitness: float, fatigue: float, gap: int) -> None:
    if gap == 0:
        assert daily.decayed(fitness, fatigue, 0) == (fitness, fatigue)
        return
    walked = list(daily.days(DAY0, DAY0 + timedelta(days=gap - 1), {}, fitness, fatigue))[-1]
    assert daily.decayed(fitness, fatigue, gap) == pytest.approx(
        (walked.fitness, walked.fatigue), abs=1e-9
    )
