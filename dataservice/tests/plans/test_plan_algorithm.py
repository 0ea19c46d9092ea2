"""The pure plan algorithm: the coaching rules hold for every input, not just a few.

Besides named cases, each rule is checked over a fixed, seeded sample of input
combinations (race distance and weekday, plan length, runs a week, long run day, volume).
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta

import pytest

from dataservice.plans.algorithm import GeneratedPlan, Inputs, generate, profile_for
from dataservice.plans.checks import check_workouts
from dataservice.plans.vdot import training_paces

RACE_DAY = date(2027, 4, 18)  # a Sunday
DISTANCES = (5000, 10000, 21097, 42195, 100_000)


def _sample(count: int) -> list[Inputs]:
    rng = random.Random(20270418)
    return [
        Inputs(
            race_date=RACE_DAY + timedelta(days=rng.randrange(7)),
            race_distance=rng.choice(DISTANCES),
            goal_time=rng.choice((None, 1500, 3000, 6300, 14400, 40000)),
            weeks=rng.randint(4, 30),
            runs_per_week=rng.randint(3, 7),
            weekly_distance=rng.choice((0, 8000, 15000, 32000, 55000, 120_000)),
            long_run_day=rng.randrange(7),
        )
        for _ in range(count)
    ]


@pytest.fixture(scope="module")
def sample() -> list[tuple[Inputs, GeneratedPlan]]:
    """400 input combinations and their plans, the same on every run."""
    return [(inputs, generate(inputs)) for inputs in _sample(400)]


def marathon(**changes: object) -> Inputs:
    values = {
        "race_date": RACE_DAY,
        "race_distance": 42195,
        "goal_time": 14400,
        "weeks": 16,
        "runs_per_week": 4,
        "weekly_distance": 30000,
        "long_run_day": 6,
    }
    return Inputs(**{**values, **changes})  # type: ignore[arg-type]


def week_of(plan: GeneratedPlan, day: date) -> int:
    return (day - plan.start_date).days // 7


def weekly_volumes(plan: GeneratedPlan) -> list[float]:
    """Metres planned each week, the race itself left out."""
    volumes = [0.0] * len(plan.weeks)
    for item in plan.workouts:
        if item.kind != "race":
            volumes[week_of(plan, item.date)] += item.distance or 0
    return volumes


def longest_long_run(plan: GeneratedPlan) -> tuple[date, float]:
    """The last of the longest long runs (a volume spread over few runs may hold the long
    run at one length for weeks: it must stay the longest workout)."""
    distance, day = max((s.distance, s.date) for s in plan.workouts if s.kind == "long")
    return day, distance


class TestGeneratedVolume:
    def test_it_never_raises_the_weekly_volume_more_than_10_percent_except_after_a_cutback(
        self, sample
    ):
        for inputs, plan in sample:
            volumes = weekly_volumes(plan)
            for i in range(1, len(volumes)):
                reference = volumes[i - 1]
                if plan.weeks[i - 1].phase == "cutback":
                    reference = volumes[i - 2]
                assert volumes[i] <= reference * 1.10 + 1e-6, (inputs, i + 1, volumes)

    def test_every_4th_week_before_the_peak_is_a_cutback_week(self):
        plan = generate(marathon())
        volumes = weekly_volumes(plan)
        assert [w.number for w in plan.weeks if w.phase == "cutback"] == [4, 8, 12]
        for number in (4, 8, 12):
            assert volumes[number - 1] == pytest.approx(volumes[number - 2] * 0.8, abs=100)

    def test_it_starts_from_the_current_weekly_volume(self):
        plan = generate(marathon(weekly_distance=41_234))
        assert weekly_volumes(plan)[0] == 41_200

    def test_the_taper_lowers_the_volume_by_at_least_20_percent(self, sample):
        for inputs, plan in sample:
            volumes = weekly_volumes(plan)
            peak = max(volumes)
            taper = len(profile_for(inputs.race_distance).taper)
            assert all(v <= 0.8 * peak for v in volumes[-taper:]), (inputs, volumes)
            for week in plan.weeks[-taper:]:  # as outlined, before race-week days are counted
                assert 0.5 * peak - 100 <= week.volume <= 0.8 * peak, inputs

    @pytest.mark.parametrize(
        ("distance", "taper_weeks"), [(5000, 1), (10000, 1), (21097, 2), (42195, 3)]
    )
    def test_the_taper_lasts_by_race_distance(self, distance, taper_weeks):
        plan = generate(marathon(race_distance=distance, goal_time=None))
        phases = [w.phase for w in plan.weeks]
        assert phases[-taper_weeks:] == ["taper"] * (taper_weeks - 1) + ["race"]
        assert "taper" not in phases[:-taper_weeks]


class TestGeneratedLongRun:
    def test_it_peaks_2_to_4_weeks_before_race_day(self, sample):
        for inputs, plan in sample:
            day, _ = longest_long_run(plan)
            assert 14 <= (inputs.race_date - day).days <= 28, inputs

    @pytest.mark.parametrize(
        ("distance", "peak", "runs", "weekly"),
        [
            (5000, 10000, 7, 20000),
            (10000, 14000, 5, 20000),
            (21097, 19000, 5, 30000),
            (42195, 32000, 5, 40000),
        ],
    )
    def test_it_reaches_the_race_specific_peak_when_the_volume_allows(
        self, distance, peak, runs, weekly
    ):
        """Spread over enough runs: with few, the long run passes the peak to stay longest."""
        plan = generate(
            marathon(race_distance=distance, weekly_distance=weekly, runs_per_week=runs)
        )
        assert longest_long_run(plan)[1] == peak

    def test_it_grows_steadily_through_the_build(self):
        plan = generate(marathon())
        peak = max(w.number for w in plan.weeks if w.long_run == 32000)
        climbing = [w.long_run for w in plan.weeks[:peak] if w.phase != "cutback"]
        assert climbing == sorted(climbing) and climbing[0] == 9000 and climbing[-1] == 32000

    def test_it_is_never_more_than_55_percent_of_its_week(self, sample):
        for _inputs, plan in sample:
            volumes = weekly_volumes(plan)
            for item in plan.workouts:
                if item.kind == "long":
                    assert item.distance <= 0.55 * volumes[week_of(plan, item.date)] + 1e-6

    def test_a_low_volume_runner_gets_a_shorter_peak_than_the_marathon_one(self):
        plan = generate(marathon(weeks=8, weekly_distance=15000))
        assert longest_long_run(plan)[1] < 32000


class TestGeneratedCalendar:
    def test_every_session_is_within_the_plan_and_the_last_one_is_the_race(self, sample):
        for inputs, plan in sample:
            assert plan.start_date.weekday() == 0
            assert len(plan.weeks) == inputs.weeks
            assert week_of(plan, inputs.race_date) == inputs.weeks - 1
            assert all(plan.start_date <= s.date <= inputs.race_date for s in plan.workouts)
            last = plan.workouts[-1]
            assert (last.kind, last.date, last.distance) == (
                "race",
                inputs.race_date,
                inputs.race_distance,
            )
            assert [s.kind for s in plan.workouts].count("race") == 1

    def test_it_passes_the_checks_a_written_plan_passes(self, sample):
        for inputs, plan in sample:
            workouts = [s.__dict__ for s in plan.workouts]
            check_workouts(workouts, plan.start_date, inputs.race_date)

    def test_it_plans_one_session_a_day_and_at_most_the_runs_asked_for(self, sample):
        for inputs, plan in sample:
            days = [s.date for s in plan.workouts]
            assert len(days) == len(set(days))
            runs = defaultdict(int)
            for item in plan.workouts:
                if item.kind not in ("rest", "race"):
                    runs[week_of(plan, item.date)] += 1
            assert max(runs.values()) <= inputs.runs_per_week, inputs

    def test_the_day_before_the_race_is_a_rest_day(self):
        plan = generate(marathon(race_date=RACE_DAY + timedelta(days=1)))  # a Monday race
        assert plan.workouts[-2].kind == "rest"
        assert plan.workouts[-2].date == RACE_DAY
        week_before = [
            s for s in plan.workouts if 1 < (RACE_DAY + timedelta(days=1) - s.date).days < 7
        ]
        assert {s.kind for s in week_before} <= {"easy", "recovery"}

    def test_long_runs_fall_on_the_long_run_day(self):
        plan = generate(marathon(long_run_day=5))
        assert {s.date.weekday() for s in plan.workouts if s.kind == "long"} == {5}

    def test_it_plans_distances_in_steps_of_100_metres(self):
        plan = generate(marathon(weekly_distance=33_333))
        assert all(s.distance % 100 == 0 for s in plan.workouts if s.kind not in ("race", "rest"))

    def test_it_is_deterministic(self):
        assert generate(marathon()) == generate(marathon())

    @pytest.mark.parametrize(
        ("field", "value"), [("weeks", 3), ("weeks", 31), ("runs_per_week", 8)]
    )
    def test_it_refuses_inputs_out_of_range(self, field, value):
        with pytest.raises(ValueError, match=field):
            generate(marathon(**{field: value}))


class TestGeneratedPaces:
    def test_quality_sessions_run_daniels_paces_and_the_race_runs_the_goal_pace(self):
        plan = generate(marathon(goal_time=14400, runs_per_week=5, paces=training_paces(50)))
        pace = {s.kind: s.target_pace for s in plan.workouts}
        assert pace["race"] == round(14400 / 42.195)
        # Daniels' table for VDOT 50: I 3:55/km, T 4:15/km, E about 5:07/km.
        assert (pace["intervals"], pace["tempo"], pace["long"], pace["easy"]) == (
            235,
            255,
            307,
            307,
        )

    def test_without_a_vdot_no_pace_is_invented(self):
        plan = generate(marathon(goal_time=None))
        assert all(s.target_pace is None for s in plan.workouts)

    def test_without_a_goal_the_race_runs_the_pace_the_vdot_predicts(self):
        plan = generate(marathon(goal_time=None, paces=training_paces(50)))
        assert plan.workouts[-1].target_pace == 271  # 3:10:40, Daniels' 3:10:49

    def test_short_races_train_intervals_first_long_ones_tempo(self):
        five_k = generate(marathon(race_distance=5000, runs_per_week=3))
        full = generate(marathon(runs_per_week=3))
        assert {s.kind for s in five_k.workouts} >= {"intervals"} and "tempo" not in {
            s.kind for s in five_k.workouts
        }
        assert "tempo" in {s.kind for s in full.workouts}
        assert "intervals" not in {s.kind for s in full.workouts}


class TestGeneratedLongRunAboveEasyRuns:
    def test_a_10k_plan_for_a_60_km_runner_makes_the_long_run_the_longest(self):
        """Found: a 10K plan asked for "easy 18 km" and "long 9.8 km" in one week."""
        plan = generate(
            marathon(race_distance=10000, weeks=10, runs_per_week=4, weekly_distance=60000)
        )
        for number in range(9):
            week = [s for s in plan.workouts if week_of(plan, s.date) == number]
            (long,) = [s for s in week if s.kind == "long"]
            assert all(s.distance < long.distance for s in week if s is not long), week
