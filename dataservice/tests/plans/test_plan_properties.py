"""The coaching rules every generated plan keeps, over thousands of generated inputs
(hypothesis): race distance and weekday, plan length, runs a week, long run day, current
volume, VDOT and goal."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from dataservice.plans.algorithm import GeneratedPlan, Inputs, generate, profile_for
from dataservice.plans.layout import Workout
from dataservice.plans.paces import race_pace
from dataservice.plans.texts import pace_text
from dataservice.plans.vdot import training_paces

MONDAY = date(2027, 4, 12)
PACE = re.compile(r"(\d+):(\d\d)/km")


@st.composite
def plan_inputs(draw: st.DrawFn) -> Inputs:
    fitness = draw(st.one_of(st.none(), st.floats(30, 85).map(lambda v: round(v, 1))))
    return Inputs(
        race_date=MONDAY + timedelta(days=draw(st.integers(0, 6))),
        race_distance=draw(st.sampled_from((3000, 5000, 10000, 15000, 21097, 42195, 100_000))),
        goal_time=draw(st.one_of(st.none(), st.integers(600, 40_000))),
        weeks=draw(st.integers(4, 30)),
        runs_per_week=draw(st.integers(3, 7)),
        weekly_distance=draw(st.floats(0, 300_000, allow_nan=False)),
        long_run_day=draw(st.integers(0, 6)),
        paces=training_paces(fitness) if fitness is not None else None,
    )


def weeks_of(plan: GeneratedPlan) -> dict[int, list[Workout]]:
    weeks: dict[int, list[Workout]] = defaultdict(list)
    for item in plan.workouts:
        weeks[(item.date - plan.start_date).days // 7].append(item)
    return weeks


def volume(workouts: list[Workout]) -> float:
    return sum(s.distance or 0 for s in workouts if s.kind != "race")


# 300 plans a property (three times Hypothesis's default, each a whole plan of up to 30 weeks
# checked week by week): 1,500 took 5 of the dataservice suite's 20 slowest tests, ~20 s each.
PROPERTY = settings(max_examples=300, deadline=None)


@PROPERTY
@given(plan_inputs())
def test_the_long_run_is_the_longest_session_of_its_week_outside_race_week(inputs):
    plan = generate(inputs)
    for number, workouts in weeks_of(plan).items():
        if number == inputs.weeks - 1:
            continue
        longs = [s for s in workouts if s.kind == "long"]
        if (inputs.race_date - workouts[-1].date).days >= 7:  # the final days are all easy
            assert len(longs) == 1, (inputs, number, workouts)
        for long in longs:
            others = [s.distance for s in workouts if s is not long and s.distance]
            assert all(d < long.distance for d in others), (inputs, number, workouts)


@PROPERTY
@given(plan_inputs())
def test_weekly_volume_grows_at_most_10_percent_except_right_after_a_cutback(inputs):
    plan = generate(inputs)
    weeks = weeks_of(plan)
    volumes = [volume(weeks[i]) for i in range(inputs.weeks)]
    for i in range(1, inputs.weeks):
        reference = volumes[i - 1]
        if plan.weeks[i - 1].phase == "cutback":
            reference = volumes[i - 2]
        assert volumes[i] <= reference * 1.10 + 1e-6, (inputs, i + 1, volumes)


@PROPERTY
@given(plan_inputs())
def test_paces_come_from_the_vdot_and_each_text_states_its_own_numbers(inputs):
    plan = generate(inputs)
    daniels = inputs.paces.as_dict() if inputs.paces else {}
    expected = {"easy": "E", "long": "E", "recovery": "E", "tempo": "T", "intervals": "I"}
    for item in plan.workouts:
        if item.kind == "rest":
            assert item.target_pace is None
            continue
        if item.kind == "race":
            assert item.target_pace == race_pace(
                inputs.race_distance, inputs.goal_time, inputs.paces
            )
        else:
            assert item.target_pace == daniels.get(expected[item.kind]), item
        stated = [int(m) * 60 + int(s) for m, s in PACE.findall(item.notes)]
        if item.target_pace is None:
            assert stated == [], item
        else:
            assert stated == [item.target_pace], item
            assert pace_text(item.target_pace) in item.notes
        first_km = re.search(r"(\d+(?:\.\d+)?) km", item.notes)
        assert first_km and round(float(first_km.group(1)) * 1000) == item.distance, item
        assert_parts_add_up(item)


def assert_parts_add_up(item: Workout) -> None:
    """A tempo's or an interval workout's warm-up, work, jogs and cool-down make its
    distance."""
    if item.kind == "tempo":
        warm, work, cool = re.search(
            r": (\S+) km easy, (\S+) km at T pace.*, (\S+) km easy$", item.notes
        ).groups()
        assert round((float(warm) + float(work) + float(cool)) * 1000) == item.distance, item
        assert float(cool) >= 0
    elif item.kind == "intervals":
        warm, reps, rep, jog, cool = re.search(
            r": (\S+) km easy, (\d+) × (\d+) m at I pace.* with (\d+) m jogs, (\S+) km easy$",
            item.notes,
        ).groups()
        total = float(warm) * 1000 + int(reps) * int(rep) + (int(reps) - 1) * int(jog)
        assert int(reps) >= 2 and float(cool) >= 0, item
        assert round(total + float(cool) * 1000) == item.distance, item


@PROPERTY
@given(plan_inputs())
def test_the_last_week_tapers_and_ends_with_the_race_on_race_day(inputs):
    plan = generate(inputs)
    weeks = weeks_of(plan)
    volumes = [volume(weeks[i]) for i in range(inputs.weeks)]
    taper = len(profile_for(inputs.race_distance).taper)
    assert volumes[-1] <= 0.8 * max(volumes), (inputs, volumes)
    assert all(v <= 0.8 * max(volumes) for v in volumes[-taper:]), (inputs, volumes)
    assert plan.weeks[-1].phase == "race"
    last = plan.workouts[-1]
    assert (last.kind, last.date, last.distance) == ("race", inputs.race_date, inputs.race_distance)
    assert [s.kind for s in plan.workouts].count("race") == 1
    assert plan.workouts[-2] == Workout(
        inputs.race_date - timedelta(days=1), "rest", None, notes="Rest"
    )
    final = [s for s in plan.workouts if 1 < (inputs.race_date - s.date).days < 7]
    assert {s.kind for s in final} <= {"easy", "recovery"}


@PROPERTY
@given(plan_inputs())
def test_phases_run_base_build_peak_taper_in_that_order(inputs):
    plan = generate(inputs)
    order = {"base": 0, "cutback": None, "build": 1, "peak": 2, "taper": 3, "race": 4}
    seen = [order[w.phase] for w in plan.weeks if order[w.phase] is not None]
    assert seen == sorted(seen) and seen[-1] == 4 and 2 in seen, plan.weeks
    # A plan of a few weeks may start at its peak: the long run peaks 2-4 weeks out.
    assert seen[0] == 0 or plan.weeks[0].phase == "peak", plan.weeks
    phase = {w.number - 1: w.phase for w in plan.weeks}
    base = [s for s in plan.workouts if phase[(s.date - plan.start_date).days // 7] == "base"]
    assert {s.kind for s in base} <= {"easy", "long", "recovery"}
