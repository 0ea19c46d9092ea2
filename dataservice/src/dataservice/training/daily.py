"""Fitness, fatigue and form per day from daily loads: pure arithmetic, no database.

The Performance Manager's convention (H. Allen & A. Coggan, *Training and Racing with a
Power Meter*, 2nd ed. 2010; TrainingPeaks' PMC, which Strava's Fitness & Freshness
follows): each day
``fitness = fitness_yesterday + (load − fitness_yesterday) / 42`` (chronic training
load, CTL) and ``fatigue = fatigue_yesterday + (load − fatigue_yesterday) / 7`` (acute,
ATL); ``form = fitness_yesterday − fatigue_yesterday`` (training stress balance, TSB): the
form a runner starts the day with, before that day's training.  A single load of 100 on
day 0 from nothing gives fitness 100/42 ≈ 2.38 and fatigue 100/7 ≈ 14.29 that day, form 0
that day and −11.90 the next; a constant daily load L brings both to L and form to 0.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

FITNESS_DAYS = 42
FATIGUE_DAYS = 7


@dataclass(frozen=True)
class Day:
    day: date
    load: float
    fitness: float
    fatigue: float
    form: float

    def as_dict(self) -> dict[str, object]:
        return {
            "date": self.day.isoformat(),
            "load": round(self.load, 1),
            "fitness": round(self.fitness, 1),
            "fatigue": round(self.fatigue, 1),
            "form": round(self.form, 1),
        }


def step(fitness: float, fatigue: float, load: float) -> tuple[float, float]:
    """Yesterday's fitness and fatigue, and today's load: today's fitness and fatigue."""
    return (
        fitness + (load - fitness) / FITNESS_DAYS,
        fatigue + (load - fatigue) / FATIGUE_DAYS,
    )


def days(
    first: date,
    last: date,
    loads: Mapping[date, float],
    fitness: float = 0.0,
    fatigue: float = 0.0,
) -> Iterator[Day]:
    """Each day from ``first`` to ``last``, from the day before's ``fitness`` and
    ``fatigue`` (none: a runner who had not trained yet)."""
    day = first
    while day <= last:
        load = loads.get(day, 0.0)
        form = fitness - fatigue
        fitness, fatigue = step(fitness, fatigue, load)
        yield Day(day, load, fitness, fatigue, form)
        day += timedelta(days=1)


def decayed(fitness: float, fatigue: float, days_later: int) -> tuple[float, float]:
    """Fitness and fatigue ``days_later`` days without training."""
    return (
        fitness * (1 - 1 / FITNESS_DAYS) ** days_later,
        fatigue * (1 - 1 / FATIGUE_DAYS) ** days_later,
    )
