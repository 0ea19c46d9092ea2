"""A training plan toward a race, from a few numbers: pure and deterministic, no database.

The shape follows common coaching practice, so that a runner recognises it:

- build: week 1 is the runner's current volume; it then grows at most 10 % a week, with a
  cutback week (-20 %) every 4th week, after which the build resumes at most 10 % above
  the week before the cutback;
- the long run grows steadily to a race-specific peak (5k 10 km, 10k 14 km, half 19 km,
  marathon and beyond 32 km), never more than 55 % of its week, reached 2 to 4 weeks
  before race day; weeks between the peak and the taper hold at -10 %;
- taper: the last 1 (5k, 10k), 2 (half) or 3 (marathon) weeks run 20-50 % below the peak;
- race week: up to three short easy runs, rest the day before, the race on race day;
  the six days before the race hold no long or quality run, whichever week they fall in.

The week's sessions are laid out by :mod:`dataservice.plans.layout`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

from dataservice.plans.layout import STEP, Session, final_days, week_sessions

MIN_WEEKS, MAX_WEEKS = 4, 30
MIN_RUNS, MAX_RUNS = 3, 7
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
GROWTH = 1.10
CUTBACK, CUTBACK_EVERY = 0.8, 4
SHARPEN = 0.9  # weeks between the peak and the taper hold 10 % below the peak
LONG_SHARE, FIRST_LONG_SHARE = 0.55, 0.3
MIN_VOLUME = 10_000  # a plan starts from at least 10 km a week


@dataclass(frozen=True)
class Profile:
    """What a plan toward races up to ``up_to`` metres looks like."""

    name: str
    up_to: float
    weeks: int  # default plan length
    peak_long: int  # metres
    taper: tuple[float, ...]  # volume of each taper week (race week last), share of the peak
    peak_volume: int  # the weekly volume a build stops at, for 5 runs a week
    beginner_volume: int  # assumed weekly volume of a runner without recent runs


PROFILES = (
    Profile("5k", 7_500, 8, 10_000, (0.6,), 45_000, 15_000),
    Profile("10k", 15_000, 10, 14_000, (0.6,), 55_000, 20_000),
    Profile("half", 30_000, 12, 19_000, (0.75, 0.55), 65_000, 25_000),
    Profile("marathon", math.inf, 16, 32_000, (0.8, 0.65, 0.5), 80_000, 30_000),
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


@dataclass(frozen=True)
class WeekOutline:
    number: int  # 1-based
    phase: str  # build, cutback, peak, sharpen, taper, race
    volume: int  # metres planned for the week, the race itself excluded
    long_run: int  # metres; 0 in race week


@dataclass(frozen=True)
class GeneratedPlan:
    start_date: date  # a Monday
    weeks: tuple[WeekOutline, ...]
    sessions: tuple[Session, ...]  # by date; the last one is the race


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
    sessions: list[Session] = []
    for week in weeks:
        sessions.extend(
            week_sessions(start + timedelta(weeks=week.number - 1), week, inputs, profile.name)
        )
    return GeneratedPlan(start, tuple(weeks), tuple(final_days(sessions, inputs)))


def outline(
    profile: Profile, weeks: int, runs_per_week: int, weekly_distance: float, peak: int
) -> list[WeekOutline]:
    """Each week's phase, volume and long run; ``peak`` is the (1-based) peak week, the
    last of the build, followed by "sharpen" weeks at -10 % until the taper."""
    taper = len(profile.taper)
    start = _floor(max(weekly_distance, MIN_VOLUME))
    cap = max(start, _floor(profile.peak_volume * runs_per_week / 5))
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
        phases.append("peak" if number == peak else "build")
        volumes.append(level)
    for _ in range(peak + 1, weeks - taper + 1):
        phases.append("sharpen")
        volumes.append(_floor(level * SHARPEN))
    for index, share in enumerate(profile.taper):
        phases.append("race" if index == taper - 1 else "taper")
        volumes.append(_floor(level * share))
    longs = _long_runs(profile, phases, volumes, peak)
    return [
        WeekOutline(number, phase, volume, long)
        for number, (phase, volume, long) in enumerate(zip(phases, volumes, longs, strict=True), 1)
    ]


def _long_runs(profile: Profile, phases: list[str], volumes: list[int], peak: int) -> list[int]:
    """A steady climb to the peak long run (which no other week reaches), shorter in
    cutback weeks, then down through the taper."""
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
        elif phase == "sharpen":
            wanted = 0.8 * peak_long
        elif phase == "taper":
            wanted = (volumes[i] / peak_volume - 0.15) * peak_long
        else:
            continue
        longs[i] = min(_floor(wanted), _floor(LONG_SHARE * volumes[i]))
    return longs


def _floor(metres: float) -> int:
    return int(metres // STEP) * STEP
