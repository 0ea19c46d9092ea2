"""Jack Daniels' VDOT: a runner's current fitness from one race effort, and the training
paces it gives (Daniels' Running Formula; J. Daniels & J. Gilbert, *Oxygen Power*, 1979).

Pure arithmetic, no database.  With v the speed in metres a minute and t the effort's
duration in minutes:

- the oxygen cost of running at v: ``VO2 = -4.60 + 0.182258 v + 0.000104 v²``;
- the share of VO2max a runner can hold for t minutes:
  ``%max = 0.8 + 0.1894393 e^(-0.012778 t) + 0.2989558 e^(-0.1932605 t)``;
- VDOT = VO2 / %max.

Training paces are the speeds whose oxygen cost is a share of VDOT, the shares that
reproduce Daniels' published tables (VDOT 50: T 4:15/km, I 3:55/km, R 88 s a 400 m):
E (easy and long runs) 70 %, T (threshold) 88 %, I (intervals) 97.5 %; R (repetitions)
is 6 s a 400 m faster than I, as Daniels sets it, and M is the marathon the VDOT predicts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MARATHON = 42_195
# Daniels' tables run from VDOT 30 to 85; a figure outside a human range is a wrong
# record (a GPS jump), not a runner, and is clamped rather than trusted.
MIN_VDOT, MAX_VDOT = 20.0, 90.0
SHARES = {"E": 0.70, "T": 0.88, "I": 0.975}
R_FASTER_THAN_I = 15.0  # seconds a km: 6 s a 400 m


def oxygen_cost(speed: float) -> float:
    """ml/kg/min to run at ``speed`` metres a minute."""
    return -4.60 + 0.182258 * speed + 0.000104 * speed**2


def share_of_max(minutes: float) -> float:
    """The share of VO2max a runner holds over a race of ``minutes``."""
    return (
        0.8 + 0.1894393 * math.exp(-0.012778 * minutes) + 0.2989558 * math.exp(-0.1932605 * minutes)
    )


def vdot(distance: float, seconds: float) -> float:
    """The VDOT of covering ``distance`` metres in ``seconds``."""
    minutes = seconds / 60
    return oxygen_cost(distance / minutes) / share_of_max(minutes)


def speed_at(oxygen: float) -> float:
    """Metres a minute whose oxygen cost is ``oxygen``: the positive root of the cost."""
    a, b, c = 0.000104, 0.182258, -4.60 - oxygen
    return (-b + math.sqrt(b * b - 4 * a * c)) / (2 * a)


def race_time(fitness: float, distance: float) -> float:
    """Seconds over ``distance`` metres a runner of VDOT ``fitness`` races: the time whose
    VDOT is ``fitness`` (VDOT falls as the time grows, so a bisection finds it)."""
    low, high = 1.0, 60 * 60 * 24.0
    for _ in range(100):
        middle = (low + high) / 2
        if vdot(distance, middle) > fitness:
            low = middle
        else:
            high = middle
    return (low + high) / 2


@dataclass(frozen=True)
class Paces:
    """Seconds per km, whole seconds, each kind of Daniels' training."""

    vdot: float
    E: float  # easy, long and recovery runs
    M: float  # marathon pace
    T: float  # threshold (tempo)
    I: float  # noqa: E741 - Daniels' name: intervals
    R: float  # repetitions

    def as_dict(self) -> dict[str, float]:
        return {"E": self.E, "M": self.M, "T": self.T, "I": self.I, "R": self.R}


def training_paces(fitness: float) -> Paces:
    """Daniels' training paces for VDOT ``fitness`` (clamped to 20..90)."""
    fitness = min(max(fitness, MIN_VDOT), MAX_VDOT)

    def pace(share: float) -> float:
        return 60_000 / speed_at(fitness * share)

    interval = pace(SHARES["I"])
    return Paces(
        vdot=round(fitness, 1),
        E=float(round(pace(SHARES["E"]))),
        M=float(round(race_time(fitness, MARATHON) * 1000 / MARATHON)),
        T=float(round(pace(SHARES["T"]))),
        I=float(round(interval)),
        R=float(round(interval - R_FASTER_THAN_I)),
    )
