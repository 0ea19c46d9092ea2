"""What a generated workout says: its text states the workout's own numbers, and only them.

The distance in a text is the workout's ``distance``; every pace is its ``target_pace``;
a tempo's or an interval workout's parts (warm-up, work, jogs, cool-down) add up to the
distance.  The work follows Daniels' limits: threshold running at most 10 % of the week's
volume, intervals at most 8 % and 10 km, in repeats of 3 to 5 minutes' running.
"""

from __future__ import annotations

from dataclasses import dataclass

STEP = 100
WARM_MAX = 2_000
T_SHARE, I_SHARE, I_MAX = 0.10, 0.08, 10_000
MIN_T = 1_600
REPEATS = (1_200, 1_000, 800, 600, 400)  # longest first: the first that fits is taken


@dataclass(frozen=True)
class Parts:
    """A quality workout's structure, metres: warm-up, work, cool-down; for intervals
    ``reps`` repeats of ``rep`` with ``jog`` between."""

    warm: int
    work: int
    cool: int
    reps: int = 0
    rep: int = 0
    jog: int = 0


def tempo_parts(distance: int, week_volume: int) -> Parts:
    warm = min(WARM_MAX, _floor(distance / 4))
    work = min(distance - 2 * warm, max(MIN_T, _floor(T_SHARE * week_volume)))
    return Parts(warm, work, distance - warm - work)


def interval_parts(distance: int, week_volume: int, longest_rep: int) -> Parts | None:
    """None when not even two 400 m repeats fit: the workout is then an easy run."""
    warm = min(WARM_MAX, _floor(distance / 4))
    budget = min(I_MAX, max(_floor(I_SHARE * week_volume), 2 * REPEATS[-1]))
    for rep in (r for r in REPEATS if r <= longest_rep):
        jog = rep // 2
        reps = min(int(budget // rep), int((distance - 2 * warm + jog) // (rep + jog)))
        if reps >= 2:
            work = reps * rep + (reps - 1) * jog
            return Parts(warm, work, distance - warm - work, reps, rep, jog)
    return None


def text(kind: str, distance: float, pace: float | None, parts: Parts | None = None) -> str:
    km = _km(distance)
    at = f" at {pace_text(pace)}" if pace is not None else ""
    if kind == "tempo" and parts is not None:
        return (
            f"Threshold {km} km: {_km(parts.warm)} km easy, {_km(parts.work)} km at T pace{at},"
            f" {_km(parts.cool)} km easy"
        )
    if kind == "intervals" and parts is not None:
        return (
            f"Intervals {km} km: {_km(parts.warm)} km easy, {parts.reps} × {parts.rep} m at"
            f" I pace{at} with {parts.jog} m jogs, {_km(parts.cool)} km easy"
        )
    if kind == "long":
        return f"Long run {km} km{at} (E pace), steady and conversational"
    if kind == "recovery":
        return f"Recovery {km} km{at} or slower, the day after the long run"
    return f"Easy {km} km{at}, conversational"


def race_text(distance: float, pace: float | None, goal_time: int | None) -> str:
    at = f" at {pace_text(pace)}" if pace is not None else ""
    goal = f" (goal {_clock(goal_time)})" if goal_time else ""
    return f"Race day: {_km(distance)} km{at}{goal}"


def pace_text(pace: float) -> str:
    minutes, seconds = divmod(round(pace), 60)
    return f"{minutes}:{seconds:02d}/km"


def _clock(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def _km(metres: float) -> str:
    return f"{round(metres) / 1000:g}"


def _floor(metres: float) -> int:
    return int(metres // STEP) * STEP
