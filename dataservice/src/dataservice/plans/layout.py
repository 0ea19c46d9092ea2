"""One week of a generated plan: which day holds which run, how long, and how fast.

Days are placed around the long run day as most plans do: the first quality session three
to five days before the long run, a second one (from 5 runs a week) two days later, easy
runs between, the day after the long run a recovery run (from 6 runs a week).  A week's
runs add up to its volume exactly; runs shorter than 2 km are merged away rather than
planned.  Pure: no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from dataservice.plans.paces import training_paces

if TYPE_CHECKING:
    from dataservice.plans.generator import Inputs, WeekOutline

STEP = 100  # metres: every planned distance is a multiple of it
MIN_RUN = 2_000
QUALITY_MAX, QUALITY_WEIGHT = 16_000, 1.25  # a quality session is a bit longer than easy
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
REPEAT = {"5k": 800, "10k": 1000, "half": 1000, "marathon": 1600}  # interval length, m
DROP_FIRST = ("easy", "recovery", "q2", "q1")  # which run goes when a week is too short


@dataclass(frozen=True)
class Session:
    date: date
    kind: str
    distance: float | None  # metres
    duration: int | None = None  # seconds
    target_pace: float | None = None  # seconds per km
    notes: str | None = None


def week_sessions(
    week_start: date, week: WeekOutline, inputs: Inputs, profile: str
) -> list[Session]:
    """The sessions of ``week`` (starting on Monday ``week_start``), by date."""
    paces = training_paces(inputs.goal_time, inputs.race_distance)
    layout = [
        (week_start + timedelta(days=(inputs.long_run_day + offset) % 7), role)
        for offset, role in LAYOUTS[inputs.runs_per_week]
    ]
    if week.phase == "race":
        return _race_week(week, inputs, layout, paces)
    if week.phase not in ("build", "peak", "sharpen"):  # one quality session when resting
        layout = [(day, "easy" if role == "q2" else role) for day, role in layout]
    others = [(day, role) for day, role in layout if role != "long"]
    rest = week.volume - week.long_run
    while len(others) > 1 and rest < len(others) * MIN_RUN:
        role = next(r for r in DROP_FIRST if any(o == r for _, o in others))
        others.remove(next(x for x in reversed(others) if x[1] == role))
    kinds = dict(zip(("q1", "q2"), QUALITY.get(profile, QUALITY_DEFAULT), strict=True))
    sessions = [
        _run(day, kinds.get(role, role), distance, paces, profile)
        for (day, role), distance in zip(others, _split(rest, [r for _, r in others]), strict=True)
    ]
    long_day = next(day for day, role in layout if role == "long")
    sessions.append(_run(long_day, "long", week.long_run, paces, profile))
    return sorted(sessions, key=lambda s: s.date)


def _race_week(
    week: WeekOutline,
    inputs: Inputs,
    layout: list[tuple[date, str]],
    paces: dict[str, float | None],
) -> list[Session]:
    """Up to three short easy runs until two days before the race (within the week's
    volume), then the race."""
    race_day = inputs.race_date
    days = sorted(day for day, _ in layout if day <= race_day - timedelta(days=2))
    days = days[-RACE_WEEK_RUNS:]
    while len(days) > 1 and week.volume < len(days) * MIN_RUN:
        days.pop(0)
    volume = min(week.volume, len(days) * RACE_WEEK_RUN_MAX)
    parts = _split(volume, ["easy"] * len(days)) if days else []
    sessions = [_run(day, "easy", part, paces, "") for day, part in zip(days, parts, strict=True)]
    sessions.append(
        Session(
            race_day,
            "race",
            inputs.race_distance,
            inputs.goal_time,
            paces["race"],
            "Race day" + (": run the goal pace" if inputs.goal_time else ""),
        )
    )
    return sessions


def final_days(sessions: list[Session], inputs: Inputs) -> list[Session]:
    """The six days before the race hold easy runs of at most 8 km, and the day before is
    a rest day, whichever week they fall in (a Monday race follows a weekend)."""
    race_day = inputs.race_date
    paces = training_paces(inputs.goal_time, inputs.race_distance)
    kept = []
    for item in sessions:
        days_before = (race_day - item.date).days
        if days_before == 1:
            continue
        if 1 < days_before < 7 and item.kind != "race" and item.distance is not None:
            kind = item.kind if item.kind == "recovery" else "easy"
            item = _run(item.date, kind, min(int(item.distance), RACE_WEEK_RUN_MAX), paces, "")
        kept.append(item)
    kept.append(Session(race_day - timedelta(days=1), "rest", None, notes="Rest"))
    return sorted(kept, key=lambda s: (s.date, s.kind == "race"))


def _split(total: int, roles: list[str]) -> list[int]:
    """Multiples of STEP adding up to ``total``: quality runs weigh a bit more than easy
    ones; the last easy run (or the last run) takes what rounding left over."""
    quality = sum(role in ("q1", "q2") for role in roles)
    easy = len(roles) - quality
    if easy == 0:
        each = _floor(total / quality)
        return [each] * (quality - 1) + [total - each * (quality - 1)]
    q = min(_floor(total * QUALITY_WEIGHT / (QUALITY_WEIGHT * quality + easy)), QUALITY_MAX)
    e = _floor((total - q * quality) / easy)
    parts = [q if role in ("q1", "q2") else e for role in roles]
    last_easy = max(i for i, role in enumerate(roles) if role not in ("q1", "q2"))
    parts[last_easy] += total - sum(parts)
    return parts


def _run(
    day: date, kind: str, distance: int, paces: dict[str, float | None], profile: str
) -> Session:
    return Session(day, kind, float(distance), None, paces[kind], _notes(kind, distance, profile))


def _notes(kind: str, distance: int, profile: str) -> str:
    warm = min(2000, _floor(distance / 4))
    main = distance - 2 * warm
    if kind == "tempo":
        return f"{_km(warm)} km easy, {_km(main)} km at tempo pace, {_km(warm)} km easy"
    if kind == "intervals":
        rep = REPEAT.get(profile, 1000)
        reps = max(2, int(main // (rep * 1.5)))
        return (
            f"{_km(warm)} km easy, then {reps} × {rep} m at the target pace with"
            f" {rep // 2} m jogs between, easy to finish"
        )
    return {
        "long": "Long run, steady and conversational",
        "recovery": "Recovery: very easy, the day after the long run",
    }.get(kind, "Easy, conversational")


def _km(metres: int) -> str:
    return f"{metres / 1000:g}"


def _floor(metres: float) -> int:
    return int(metres // STEP) * STEP
