"""A training plan toward a race, from a few numbers: pure and deterministic, no database.

The method is Jack Daniels' (Daniels' Running Formula): paces from the runner's VDOT
(:mod:`dataservice.plans.vdot`) and a season in phases, each week's volume from the one
before:

- **base**: the first third of the build, easy running and the long run only, so the
  legs take the volume before they take speed;
- **build**: quality workouts join (5k and 10k: intervals at I pace first, then threshold;
  half and longer: threshold first, then intervals);
- **peak**: the week of the longest long run and the weeks after it until the taper,
  the volume held 10 % below the peak week;
- **taper** and **race** week: the last 1 (5k, 10k), 2 (half) or 3 (marathon) weeks run
  20-50 % below the peak, one quality workout a week; race week has up to three short easy
  runs, rest the day before, the race on race day, and the six days before the race hold
  no long or quality run, whichever week they fall in.

Week 1 is the runner's current volume (capped at what the runs a week allow, see
:func:`volume_cap`); it then grows at most 10 % a week, with a cutback week (-20 %) every
4th week, after which the build resumes at most 10 % above the week before the cutback.
The long run climbs to a race-specific peak (5k 10 km, 10k 14 km, half 19 km, marathon
32 km) 2 to 4 weeks before race day, and is always the week's longest workout: when the
volume is spread over few runs it grows past the climb (:mod:`dataservice.plans.layout`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

from dataservice.plans.layout import STEP, Workout, final_days, max_volume, week_workouts
from dataservice.plans.vdot import Paces

MIN_WEEKS, MAX_WEEKS = 4, 30
MIN_RUNS, MAX_RUNS = 3, 7
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
GROWTH = 1.10
CUTBACK, CUTBACK_EVERY = 0.8, 4
HOLD = 0.9  # peak weeks after the longest long run hold 10 % below the peak week
BASE_SHARE = 1 / 3  # of the weeks up to the peak
LONG_SHARE, FIRST_LONG_SHARE = 0.55, 0.3
MIN_VOLUME = 10_000  # a plan starts from at least 10 km a week


@dataclass(frozen=True)
class Profile:
    """What a plan toward races up to ``up_to`` metres looks like."""

    name: str
    up_to: float
    weeks: int  # default plan length
    peak_long: int  # metres the long run climbs to
    max_long: int  # metres no long run passes, whatever the volume
    taper: tuple[float, ...]  # volume of each taper week (race week last), share of the peak
    peak_volume: int  # the weekly volume a build stops at, for 5 runs a week
    beginner_volume: int  # assumed weekly volume of a runner without recent runs


PROFILES = (
    Profile("5k", 7_500, 8, 10_000, 18_000, (0.6,), 45_000, 15_000),
    Profile("10k", 15_000, 10, 14_000, 22_000, (0.6,), 55_000, 20_000),
    Profile("half", 30_000, 12, 19_000, 26_000, (0.75, 0.55), 65_000, 25_000),
    Profile("marathon", math.inf, 16, 32_000, 35_000, (0.8, 0.65, 0.5), 80_000, 30_000),
)


def profile_for(distance: float) -> Profile:
    """The profile of a race distance: the first one that covers it."""
    return next(p for p in PROFILES if distance <= p.up_to)


@dataclass(frozen=True)
class Inputs:
    race_date: date
    race_distance: float  # metres
    goal_time: int | None  # seconds
    weeks: int
    runs_per_week: int
    weekly_distance: float  # metres the runner runs a week now
    long_run_day: int = 6  # 0 = Monday
    paces: Paces | None = None  # from the runner's VDOT; None: no pace is invented


@dataclass(frozen=True)
class WeekOutline:
    number: int  # 1-based
    phase: str  # base, build, cutback, peak, taper, race
    volume: int  # metres planned for the week, the race itself excluded
    long_run: int  # metres the long run climbs to; the layout may lengthen it; 0 in race week


@dataclass(frozen=True)
class GeneratedPlan:
    start_date: date  # a Monday
    weeks: tuple[WeekOutline, ...]
    workouts: tuple[Workout, ...]  # by date; the last one is the race


def generate(inputs: Inputs) -> GeneratedPlan:
    """The plan for ``inputs``; the same inputs always give the same plan."""
    if not MIN_WEEKS <= inputs.weeks <= MAX_WEEKS:
        raise ValueError(f"weeks must be between {MIN_WEEKS} and {MAX_WEEKS}")
    if not MIN_RUNS <= inputs.runs_per_week <= MAX_RUNS:
        raise ValueError(f"runs_per_week must be between {MIN_RUNS} and {MAX_RUNS}")
    profile = profile_for(inputs.race_distance)
    # Race week minus the peak week; one more when the long run day falls later in the week
    # than race day, so that the peak long run is always 2 to 4 weeks before the race.
    gap = max(len(profile.taper), 2)
    if 7 * gap + inputs.race_date.weekday() - inputs.long_run_day < 14:
        gap += 1
    weeks = outline(
        profile, inputs.weeks, inputs.runs_per_week, inputs.weekly_distance, inputs.weeks - gap
    )
    race_monday = inputs.race_date - timedelta(days=inputs.race_date.weekday())
    start = race_monday - timedelta(weeks=inputs.weeks - 1)
    workouts: list[Workout] = []
    for week in weeks:
        workouts.extend(
            week_workouts(start + timedelta(weeks=week.number - 1), week, inputs, profile)
        )
    return GeneratedPlan(start, tuple(weeks), tuple(final_days(workouts, inputs)))


def volume_cap(profile: Profile, runs_per_week: int) -> int:
    """The most a week may hold: the profile's peak volume (scaled to the runs a week), and
    no more than the runs can carry with the long run the longest and within the
    profile's longest long run."""
    scaled = _floor(profile.peak_volume * runs_per_week / 5)
    return min(max(scaled, MIN_VOLUME), max_volume(profile.max_long, runs_per_week))


def outline(
    profile: Profile, weeks: int, runs_per_week: int, weekly_distance: float, peak: int
) -> list[WeekOutline]:
    """Each week's phase, volume and long run; ``peak`` is the (1-based) week of the
    longest long run, the last of the build, followed by peak weeks at -10 % until the
    taper."""
    taper = len(profile.taper)
    limit = max_volume(profile.max_long, runs_per_week)
    start = min(_floor(max(weekly_distance, MIN_VOLUME)), limit)
    cap = max(start, volume_cap(profile, runs_per_week))
    base_weeks = max(1, round(peak * BASE_SHARE))
    phases: list[str] = []
    volumes: list[int] = []
    level = start  # the build's level, which a cutback week does not lower
    for number in range(1, peak + 1):
        if number % CUTBACK_EVERY == 0 and number < peak:
            phases.append("cutback")
            volumes.append(_floor(level * CUTBACK))
            continue
        if number > 1:
            level = min(_floor(level * GROWTH), cap)
        phases.append("peak" if number == peak else "base" if number <= base_weeks else "build")
        volumes.append(level)
    for _ in range(peak + 1, weeks - taper + 1):
        phases.append("peak")
        volumes.append(_floor(level * HOLD))
    for index, share in enumerate(profile.taper):
        phases.append("race" if index == taper - 1 else "taper")
        volumes.append(_floor(level * share))
    longs = _long_runs(profile, phases, volumes, peak)
    return [
        WeekOutline(number, phase, volume, long)
        for number, (phase, volume, long) in enumerate(zip(phases, volumes, longs, strict=True), 1)
    ]


def _long_runs(profile: Profile, phases: list[str], volumes: list[int], peak: int) -> list[int]:
    """A steady climb to the peak long run, shorter in cutback weeks, then down through
    the taper; 0 in race week."""
    peak_volume = volumes[peak - 1]
    peak_long = min(profile.peak_long, _floor(LONG_SHARE * peak_volume))
    first = _floor(min(FIRST_LONG_SHARE * volumes[0], 0.7 * peak_long))
    climbing = [i for i in range(peak) if phases[i] != "cutback"]
    steps = max(len(climbing) - 1, 1)
    longs = [0] * len(phases)
    for k, i in enumerate(climbing):
        target = first + (peak_long - first) * k / steps if i < peak - 1 else peak_long
        below_peak = peak_long if i == peak - 1 else peak_long - STEP
        longs[i] = min(_floor(target), _floor(LONG_SHARE * volumes[i]), below_peak)
    for i, phase in enumerate(phases):
        if phase == "cutback":  # never week 1: the week before is a climbing one
            wanted = 0.7 * longs[i - 1]
        elif phase == "peak" and i >= peak:
            wanted = 0.8 * peak_long
        elif phase == "taper":
            wanted = (volumes[i] / peak_volume - 0.15) * peak_long
        else:
            continue
        longs[i] = min(_floor(wanted), _floor(LONG_SHARE * volumes[i]))
    return longs


def _floor(metres: float) -> int:
    return int(metres // STEP) * STEP
