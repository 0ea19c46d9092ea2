"""One week of a generated plan: which day holds which run, how long, and how fast.

Days are placed around the long run day as most plans do: the first quality workout three
to five days before the long run, a second one (from 5 runs a week) two days later, easy
runs between, the day after the long run a recovery run (from 6 runs a week).  A week's
runs add up to its volume exactly; runs shorter than 2 km are merged away rather than
planned.  The long run is the week's longest workout: when another run would pass 85 %
of it, it grows by 100 m steps (and the others shrink) until none does.  Pure: no
database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from dataservice.plans import texts
from dataservice.plans.paces import race_pace, workout_pace

if TYPE_CHECKING:
    from dataservice.plans.algorithm import Inputs, Profile, WeekOutline
    from dataservice.plans.vdot import Paces

STEP = 100  # metres: every planned distance is a multiple of it
MIN_RUN = 2_000
QUALITY_WEIGHT = 1.25  # a quality workout is a bit longer than an easy run
# No other run of the week passes this share of the long run: the long run stands out.
OTHERS_SHARE = 0.85
RACE_WEEK_RUNS, RACE_WEEK_RUN_MAX = 3, 8_000  # short runs: the legs should be fresh

# Each run of the week: its day relative to the long run (0 = the long run's day), its role.
LAYOUTS: dict[int, tuple[tuple[int, str], ...]] = {
    3: ((-5, "q1"), (-3, "easy"), (0, "long")),
    4: ((-5, "q1"), (-3, "easy"), (-1, "easy"), (0, "long")),
    5: ((-5, "q1"), (-4, "easy"), (-3, "q2"), (-1, "easy"), (0, "long")),
    6: ((-6, "recovery"), (-5, "q1"), (-4, "easy"), (-3, "q2"), (-1, "easy"), (0, "long")),
    7: (
        (-6, "recovery"),
        (-5, "q1"),
        (-4, "easy"),
        (-3, "q2"),
        (-2, "easy"),
        (-1, "easy"),
        (0, "long"),
    ),
}
# Shorter races train speed first, longer ones endurance at threshold.
QUALITY = {"5k": ("intervals", "tempo"), "10k": ("intervals", "tempo")}
QUALITY_DEFAULT = ("tempo", "intervals")
# The longest interval repeat: 3 to 5 minutes at I pace, as Daniels asks.
LONGEST_REPEAT = {"5k": 1_000, "10k": 1_000, "half": 1_200, "marathon": 1_200}
DROP_FIRST = ("easy", "recovery", "q2", "q1")  # which run goes when a week is too short


@dataclass(frozen=True)
class Workout:
    date: date
    kind: str
    distance: float | None  # metres
    duration: int | None = None  # seconds
    target_pace: float | None = None  # seconds per km
    notes: str | None = None


def max_volume(max_long: int, runs_per_week: int) -> int:
    """The largest week whose long run (at most ``max_long``) can stay its longest
    workout: the other runs, a quality one weighing 1.25 easy ones, each within 85 % of it."""
    others = runs_per_week - 1
    return _floor((OTHERS_SHARE * max_long - 2 * STEP) * others / QUALITY_WEIGHT + max_long)


def week_workouts(
    week_start: date, week: WeekOutline, inputs: Inputs, profile: Profile
) -> list[Workout]:
    """The workouts of ``week`` (starting on Monday ``week_start``), by date."""
    layout = [
        (week_start + timedelta(days=(inputs.long_run_day + offset) % 7), role)
        for offset, role in LAYOUTS[inputs.runs_per_week]
    ]
    if week.phase == "race":
        return _race_week(week, inputs, layout)
    if week.phase == "base":  # easy running only: the volume first, then speed
        layout = [(day, "easy" if role in ("q1", "q2") else role) for day, role in layout]
    elif week.phase not in ("build", "peak"):  # one quality workout when resting
        layout = [(day, "easy" if role == "q2" else role) for day, role in layout]
    long_run, others, parts = _long_and_others(
        week.volume, week.long_run, [(d, r) for d, r in layout if r != "long"]
    )
    kinds = dict(zip(("q1", "q2"), QUALITY.get(profile.name, QUALITY_DEFAULT), strict=True))
    workouts = [
        _run(day, kinds.get(role, role), distance, inputs.paces, week.volume, profile.name)
        for (day, role), distance in zip(others, parts, strict=True)
    ]
    long_day = next(day for day, role in layout if role == "long")
    workouts.append(_run(long_day, "long", long_run, inputs.paces, week.volume, profile.name))
    return sorted(workouts, key=lambda s: s.date)


def _long_and_others(
    volume: int, long_run: int, others: list[tuple[date, str]]
) -> tuple[int, list[tuple[date, str]], list[int]]:
    """The long run, the other runs kept and their distances: runs shorter than 2 km are
    dropped, and the long run grows until no other run passes 85 % of it."""
    while True:
        kept = list(others)
        rest = volume - long_run
        while len(kept) > 1 and rest < len(kept) * MIN_RUN:
            role = next(r for r in DROP_FIRST if any(o == r for _, o in kept))
            kept.remove(next(x for x in reversed(kept) if x[1] == role))
        parts = _split(rest, [r for _, r in kept]) if kept and rest > 0 else []
        if rest <= 0:
            kept = []
        if max(parts, default=0) <= OTHERS_SHARE * long_run:
            return long_run, kept, parts
        long_run += STEP


def _race_week(week: WeekOutline, inputs: Inputs, layout: list[tuple[date, str]]) -> list[Workout]:
    """Up to three short easy runs until two days before the race (within the week's
    volume), then the race."""
    race_day = inputs.race_date
    days = sorted(day for day, _ in layout if day <= race_day - timedelta(days=2))
    days = days[-RACE_WEEK_RUNS:]
    while len(days) > 1 and week.volume < len(days) * MIN_RUN:
        days.pop(0)
    volume = min(week.volume, len(days) * RACE_WEEK_RUN_MAX)
    parts = _split(volume, ["easy"] * len(days)) if days else []
    workouts = [
        _run(day, "easy", part, inputs.paces, week.volume, "")
        for day, part in zip(days, parts, strict=True)
    ]
    return [*workouts, race_workout(inputs)]


def race_workout(inputs: Inputs) -> Workout:
    pace = race_pace(inputs.race_distance, inputs.goal_time, inputs.paces)
    return Workout(
        inputs.race_date,
        "race",
        inputs.race_distance,
        inputs.goal_time,
        pace,
        texts.race_text(inputs.race_distance, pace, inputs.goal_time),
    )


def final_days(workouts: list[Workout], inputs: Inputs) -> list[Workout]:
    """The six days before the race hold easy runs of at most 8 km, and the day before is
    a rest day, whichever week they fall in (a Monday race follows a weekend)."""
    race_day = inputs.race_date
    kept = []
    for item in workouts:
        days_before = (race_day - item.date).days
        if days_before == 1:
            continue
        if 1 < days_before < 7 and item.kind != "race" and item.distance is not None:
            kind = item.kind if item.kind == "recovery" else "easy"
            distance = min(int(item.distance), RACE_WEEK_RUN_MAX)
            item = _run(item.date, kind, distance, inputs.paces, 0, "")
        kept.append(item)
    kept.append(Workout(race_day - timedelta(days=1), "rest", None, notes="Rest"))
    return sorted(kept, key=lambda s: (s.date, s.kind == "race"))


def _split(total: int, roles: list[str]) -> list[int]:
    """Multiples of STEP adding up to ``total``: quality runs weigh a bit more than easy
    ones; the last easy run (or the last run) takes what rounding left over."""
    quality = sum(role in ("q1", "q2") for role in roles)
    easy = len(roles) - quality
    if easy == 0:
        each = _floor(total / quality)
        return [each] * (quality - 1) + [total - each * (quality - 1)]
    q = _floor(total * QUALITY_WEIGHT / (QUALITY_WEIGHT * quality + easy))
    e = _floor((total - q * quality) / easy)
    parts = [q if role in ("q1", "q2") else e for role in roles]
    last_easy = max(i for i, role in enumerate(roles) if role not in ("q1", "q2"))
    parts[last_easy] += total - sum(parts)
    return parts


def _run(
    day: date, kind: str, distance: int, paces: Paces | None, week_volume: int, profile: str
) -> Workout:
    """A workout whose text states its own distance and pace; an interval workout too
    short for two repeats is an easy run."""
    parts = None
    if kind == "tempo":
        parts = texts.tempo_parts(distance, week_volume)
    elif kind == "intervals":
        parts = texts.interval_parts(distance, week_volume, LONGEST_REPEAT.get(profile, 1_000))
        if parts is None:
            kind = "easy"
    pace = workout_pace(kind, paces)
    return Workout(day, kind, float(distance), None, pace, texts.text(kind, distance, pace, parts))


def _floor(metres: float) -> int:
    return int(metres // STEP) * STEP
