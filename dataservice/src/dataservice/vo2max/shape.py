"""Marathon shape, as Runalyze defines it (Runalyze/Runalyze,
``inc/core/Calculation/BasicEndurance.php``; "Marathon shape" on its panel): how far recent
training meets what a marathon at the runner's VDOT asks for.

- Weekly volume: the kilometres of the last 182 days (fewer for a new runner: the days since
  their first run, at least 70), per week, against a target of ``VDOT^1.135`` km a week.
- Long runs: each run longer than 13 km in the last 70 days scores
  ``(2 - 2/70 * age_days) * ((km - 13) / (target_long - 13))^2`` (a recent run counts twice,
  one 70 days old nothing), with ``target_long = 12 ln(VDOT / 4)`` km; the scores' sum, per
  week of the 70 days, is the long-run share.
- Shape = 67 % of the weekly share + 33 % of the long-run share, shown from 0 to 100 %.

Runalyze's test values (``tests/.../BasicEnduranceTest.php``): VDOT 30 → 47.5 km a week and a
24 km long run; 50 → 85 and 30; 70 → 124 km a week.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

MIN_LONG_RUN_KM = 13.0
DAYS_FOR_WEEK_KM, DAYS_FOR_WEEK_KM_MIN = 182, 70
DAYS_FOR_LONG_RUNS = 70
WEEK_SHARE, LONG_RUN_SHARE = 0.67, 0.33


def target_week_km(fitness: float) -> float:
    return float(max(fitness, 10.0) ** 1.135)


def target_long_run_km(fitness: float) -> float:
    return math.log(fitness / 4) * 12


def days_for_week_km(first_run: date | None, today: date) -> int:
    days = (today - first_run).days if first_run else 0
    return min(max(days, DAYS_FOR_WEEK_KM_MIN), DAYS_FOR_WEEK_KM)


@dataclass(frozen=True)
class RunDistance:
    run_id: int
    day: date
    km: float


def marathon_shape(
    fitness: float, runs: Iterable[RunDistance], today: date, first_run: date | None
) -> dict[str, Any]:
    """The shape and every input it comes from; ``runs`` are the counted runs of the last
    182 days up to ``today``."""
    runs = list(runs)
    week_days = days_for_week_km(first_run, today)
    target_week = target_week_km(fitness)
    target_long = target_long_run_km(fitness)
    week_km = sum(r.km for r in runs if 0 <= (today - r.day).days < week_days)
    week_share = week_km * 7 / week_days / target_week
    long_runs = []
    for run in runs:
        age = (today - run.day).days
        if run.km > MIN_LONG_RUN_KM and 0 <= age < DAYS_FOR_LONG_RUNS:
            weight = 2 - 2 / DAYS_FOR_LONG_RUNS * age
            ratio = (run.km - MIN_LONG_RUN_KM) / (target_long - MIN_LONG_RUN_KM)
            long_runs.append((run, weight * ratio**2))
    long_share = sum(points for _, points in long_runs) * 7 / DAYS_FOR_LONG_RUNS
    raw = 100 * (week_share * WEEK_SHARE + long_share * LONG_RUN_SHARE)
    return {
        "percentage": round(min(max(raw, 0.0), 100.0)),
        "raw_percentage": round(raw, 1),
        "vdot": round(fitness, 1),
        "week": {
            "days": week_days,
            "km_per_week": round(week_km * 7 / week_days, 1),
            "target_km_per_week": round(target_week, 1),
            "share": round(week_share, 3),
            "weight": WEEK_SHARE,
        },
        "long_runs": {
            "days": DAYS_FOR_LONG_RUNS,
            "min_km": MIN_LONG_RUN_KM,
            "target_km": round(target_long, 1),
            "share": round(long_share, 3),
            "weight": LONG_RUN_SHARE,
            "runs": [
                {
                    "run_id": r.run_id,
                    "date": r.day.isoformat(),
                    "km": round(r.km, 2),
                    "points": round(p, 3),
                }
                for r, p in sorted(long_runs, key=lambda item: (item[0].day, item[0].run_id))
            ],
        },
    }
