"""VDOT, predictions, marathon shape and heart-rate zones against their published values:
Daniels' Running Formula's tables, Riegel (1981), Runalyze's own code and tests, Karvonen."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dataservice.plans.vdot import oxygen_cost, vdot
from dataservice.vo2max import estimate, predictions, shape, zones


def clock(seconds: float) -> str:
    hours, rest = divmod(round(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


# Daniels' Running Formula, VDOT table: VDOT 50 races 5 km in 19:57, 10 km in 41:21, the
# half in 1:31:35 and the marathon in 3:10:49.
def test_a_5k_in_20_minutes_is_vdot_49_8():
    assert vdot(5000, 20 * 60) == pytest.approx(49.8, abs=0.05)


def test_a_10k_in_41_20_is_vdot_50_as_in_daniels_table():
    assert vdot(10000, 41 * 60 + 20) == pytest.approx(50.0, abs=0.1)


@pytest.mark.parametrize(
    ("distance", "published"),
    [(5000, 19 * 60 + 57), (10000, 41 * 60 + 21), (21097.5, 5495), (42195, 11449)],
)
def test_vdot_50_predicts_daniels_table_times(distance, published):
    assert predictions.by_vdot(50, distance) == pytest.approx(published, abs=15)


def test_vdot_50_predicts_a_3_10_marathon():
    assert clock(predictions.by_vdot(50, 42195))[:6] == "3:10:4"


def test_riegel_turns_a_20_minute_5k_into_a_41_42_10k():
    # 1200 s x 2^1.06 = 2501.9 s (Riegel 1981; the figure of Runner's World's calculator)
    assert predictions.riegel(1200, 5000, 10000) == pytest.approx(2501.9, abs=0.5)


@given(st.floats(600, 20000), st.floats(1500, 42195))
def test_riegel_gives_back_the_effort_at_its_own_distance(seconds, distance):
    assert predictions.riegel(seconds, distance, distance) == pytest.approx(seconds)


# Runalyze, LegacyEffectiveVO2max: percentageAt(h) = exp((h - 1.00466) / 0.68725), HRat its
# inverse; at 100.466 % of HRmax a runner is at 100 % of vVO2max.
def test_runalyze_heart_rate_regression_reference_points():
    assert estimate.share_of_vvo2max(1.00466) == pytest.approx(1.0)
    assert estimate.share_of_vvo2max(0.9) == pytest.approx(0.8587, abs=1e-4)
    assert estimate.share_of_vvo2max(0.7) == pytest.approx(0.6420, abs=1e-4)


@given(st.floats(0.4, 1.0))
def test_the_heart_rate_regression_and_its_inverse_agree(share):
    assert estimate.hr_share_at(estimate.share_of_vvo2max(share)) == pytest.approx(share)


def test_an_easy_run_at_70_percent_hrmax_gives_the_runners_vdot_not_its_pace():
    # A VDOT-50 runner (vVO2max: the speed whose oxygen cost is 50) jogging for an hour at
    # the pace Runalyze's regression gives for 70 % of HRmax 190 (133 bpm).
    from dataservice.plans.vdot import speed_at

    speed = speed_at(50) * estimate.share_of_vvo2max(133 / 190)  # metres a minute
    distance = speed * 60
    assert estimate.by_heart_rate(distance, 3600, 133, 190) == pytest.approx(50, abs=1e-6)
    assert estimate.by_time([(10000, 10000 / speed * 60)])[0] < 40  # its pace says far less


def test_heart_rate_estimate_needs_a_plausible_share_and_a_long_enough_run():
    assert estimate.by_heart_rate(10000, 3000, None, 190) is None
    assert estimate.by_heart_rate(10000, 3000, 150, None) is None
    assert estimate.by_heart_rate(10000, 3000, 80, 190) is None  # under half of HRmax
    assert estimate.by_heart_rate(10000, 3000, 200, 190) is None  # over HRmax
    assert estimate.by_heart_rate(1000, 3000, 150, 190) is None
    speed = 10000 / 50
    expected = oxygen_cost(speed / estimate.share_of_vvo2max(150 / 190))
    assert estimate.by_heart_rate(10000, 3000, 150, 190) == pytest.approx(expected)


def test_best_effort_vdot_leaves_out_efforts_under_1500_m():
    best = estimate.by_time([(400, 60), (1000, 170), (5000, 1200), (10000, 2600)])
    assert best is not None and best[1] == 5000
    assert best[0] == pytest.approx(49.8, abs=0.05)
    assert estimate.by_time([(400, 60), (1000, 170)]) is None


def figures(run_id, by_time, by_hr, race=True):
    return estimate.RunFigures(run_id, by_time, 5000, by_hr, race)


def test_correction_factor_is_the_best_ratio_of_the_three_fastest_races():
    runs = [
        figures(1, 55, 60),  # 0.917
        figures(2, 54, 50),  # 1.08
        figures(3, 53, 58),
        figures(4, 40, 20),  # ratio 2, but the fourth race by time: not looked at
        figures(5, 60, 30, race=False),  # not a race
    ]
    assert estimate.correction_factor(runs) == pytest.approx(54 / 50)
    assert estimate.correction_factor([figures(1, 50, None)]) == 1.0


def test_run_vdot_prefers_the_corrected_heart_rate_estimate():
    assert estimate.run_vdot(figures(1, 45, 50), 0.9) == pytest.approx(45)
    assert estimate.run_vdot(figures(1, 45, None), 0.9) == 45
    assert estimate.run_vdot(figures(1, 120, None), 1.0) is None  # a GPS jump


# Runalyze's BasicEnduranceTest::testTargets: target km a week and long run per VDOT.
@pytest.mark.parametrize(
    ("fitness", "week_km", "long_km"),
    [(30, 47.5, 24), (40, 66, 27.5), (50, 85, 30), (60, 104, 32.5), (70, 124, None)],
)
def test_marathon_shape_targets_are_runalyzes(fitness, week_km, long_km):
    assert shape.target_week_km(fitness) == pytest.approx(week_km, abs=1)
    if long_km is not None:
        assert shape.target_long_run_km(fitness) == pytest.approx(long_km, abs=1)


def test_marathon_shape_of_a_runner_meeting_both_targets_is_100():
    today = date(2026, 12, 7)
    fitness = 50
    week = shape.target_week_km(fitness)
    target_long = shape.target_long_run_km(fitness)
    # the target volume, a seventh a day
    runs = [shape.RunDistance(d + 1, today - timedelta(days=d), week / 7) for d in range(182)]
    answer = shape.marathon_shape(fitness, runs, today, today - timedelta(days=400))
    assert answer["week"]["share"] == pytest.approx(1.0, abs=1e-3)
    assert answer["long_runs"]["runs"] == []  # no run over 13 km
    assert answer["raw_percentage"] == pytest.approx(67, abs=0.2)
    # a long run at target every week of the 70 days, scored by age
    long_runs = [
        shape.RunDistance(1000 + w, today - timedelta(days=7 * w), target_long) for w in range(10)
    ]
    answer = shape.marathon_shape(fitness, runs + long_runs, today, today - timedelta(days=400))
    expected_long = sum(2 - 2 / 70 * 7 * w for w in range(10)) * 7 / 70
    assert answer["long_runs"]["share"] == pytest.approx(expected_long, abs=1e-3)
    assert answer["percentage"] == 100


def test_a_new_runner_is_measured_over_70_days_at_least():
    assert shape.days_for_week_km(date(2026, 12, 1), date(2026, 12, 7)) == 70
    assert shape.days_for_week_km(date(2026, 9, 1), date(2026, 12, 7)) == 97
    assert shape.days_for_week_km(None, date(2026, 12, 7)) == 70
    assert shape.days_for_week_km(date(2020, 1, 1), date(2026, 12, 7)) == 182


def test_karvonen_bounds_for_max_190_rest_50():
    # reserve 140 bpm: 50 % = 120, 60 % = 134, 70 % = 148, 80 % = 162, 90 % = 176
    assert zones.bounds(190, 50) == pytest.approx([120, 134, 148, 162, 176, 190])


def test_time_in_zones_on_a_constructed_stream():
    bounds = zones.bounds(190, 50)
    times = [0, 60, 120, 180, 240, 300, 310, 400]
    rates = [100, 125, 140, 150, 170, 195, None, 160]
    seconds = zones.time_in_zones(times, rates, bounds)
    #          below  z1  z2  z3  z4  z5 (195 > max is zone 5; the gap without HR is none)
    assert seconds == [60, 60, 60, 60, 60, 10]


@given(
    st.lists(st.tuples(st.floats(0, 30), st.one_of(st.none(), st.floats(40, 220))), max_size=200),
    st.integers(150, 210),
    st.integers(35, 80),
)
def test_times_in_zones_add_up_to_the_duration_with_heart_rate(samples, max_hr, rest_hr):
    times, t = [], 0.0
    for step, _ in samples:
        t += step
        times.append(t)
    rates = [hr for _, hr in samples]
    seconds = zones.time_in_zones(times, rates, zones.bounds(max_hr, rest_hr))
    with_hr = sum(times[i + 1] - times[i] for i in range(len(times) - 1) if rates[i] is not None)
    assert sum(seconds) == pytest.approx(with_hr)
    assert all(s >= 0 for s in seconds)
