"""Which of Daniels' paces each kind of workout runs at: pure, no database.

Easy, long and recovery runs at E pace (Daniels runs long runs at E pace too), tempo
workouts at T, intervals at I; the race at the goal's pace when the race has a goal time,
else at the pace the VDOT predicts for its distance.  Without a VDOT nothing has a pace: a
plan should not invent a pace the runner's running does not support.
"""

from __future__ import annotations

from dataservice.plans.vdot import Paces, race_time

DANIELS = {"easy": "E", "long": "E", "recovery": "E", "tempo": "T", "intervals": "I"}
# Paces outside these bounds (s/km) are not a runner's: paces stay within them.
FASTEST, SLOWEST = 60, 3600


def workout_pace(kind: str, paces: Paces | None) -> float | None:
    """Seconds per km for a workout of ``kind``; None without paces or for a rest day."""
    if paces is None or kind not in DANIELS:
        return None
    return _bounded(paces.as_dict()[DANIELS[kind]])


def race_pace(distance: float, goal_time: int | None, paces: Paces | None) -> float | None:
    """The race's pace: the goal's, else the VDOT's prediction, else None."""
    if goal_time:
        return _bounded(goal_time * 1000 / distance)
    if paces is None:
        return None
    return _bounded(race_time(paces.vdot, distance) * 1000 / distance)


def _bounded(pace: float) -> float:
    return float(round(min(max(pace, FASTEST), SLOWEST)))
