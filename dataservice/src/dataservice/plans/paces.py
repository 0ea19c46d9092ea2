"""Training paces from a race goal: pure arithmetic, no database.

A goal time over one distance predicts times over others with Riegel's formula
(``t2 = t1 · (d2 / d1) ** 1.06``); each kind of session runs at the pace of the race it
trains for: intervals at about 3 km race pace, tempo at the pace one could hold for about
an hour (15 km), long and easy runs slower than marathon pace.
"""

from __future__ import annotations

RIEGEL = 1.06
MARATHON = 42_195
# Paces outside these bounds (s/km) are not a runner's: generated paces stay within them.
FASTEST, SLOWEST = 60, 3600


def predicted_time(goal_time: float, distance: float, other: float) -> float:
    """Seconds over ``other`` metres for a runner who covers ``distance`` in ``goal_time``."""
    return goal_time * (other / distance) ** RIEGEL


def pace_at(goal_time: float, distance: float, other: float) -> float:
    """Seconds per kilometre over ``other`` metres, predicted from the goal."""
    return predicted_time(goal_time, distance, other) * 1000 / other


def training_paces(goal_time: float | None, distance: float) -> dict[str, float | None]:
    """Target pace per session kind (s/km), all null without a goal time: a plan should not
    invent a pace the runner never asked for."""
    kinds = ("race", "intervals", "tempo", "long", "easy", "recovery")
    if not goal_time:
        return dict.fromkeys(kinds)
    marathon = pace_at(goal_time, distance, MARATHON)
    paces = {
        "race": goal_time * 1000 / distance,
        "intervals": pace_at(goal_time, distance, 3000),
        "tempo": pace_at(goal_time, distance, 15_000),
        "long": marathon + 45,
        "easy": marathon + 60,
        "recovery": marathon + 80,
    }
    return {kind: float(round(min(max(p, FASTEST), SLOWEST))) for kind, p in paces.items()}
