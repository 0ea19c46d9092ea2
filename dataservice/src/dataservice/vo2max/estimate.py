"""One run's VDOT: from its best efforts (Daniels and Gilbert), and from its pace and heart
rate the way Runalyze estimates an "effective VO2max" for every activity.

By time: the highest VDOT of the run's best efforts of 1500 m or more (the formula is
calibrated on races from 1500 m to the marathon; a 400 m stretch overstates endurance, as in
:mod:`dataservice.plans.fitness`).  An easy run's efforts say little of a runner's fitness,
so when the run has an average heart rate and the runner a maximal one, Runalyze's estimate
replaces it (Runalyze/Runalyze, ``inc/core/Calculation/JD/LegacyEffectiveVO2max.php``,
``fromPaceAndHR``; the docs' ``calculations/vo2max.rst``):

- the share of the velocity at VO2max a runner holds at a heart rate of ``h`` (a fraction of
  HRmax) is ``exp((h - 1.00466) / 0.68725)``, Runalyze's regression over Daniels' tables
  (its inverse ``HRat(p) = 0.68725 ln p + 1.00466``);
- the run's speed divided by that share is the velocity at 100 % VO2max; the oxygen cost of
  running at it is the estimate.

Runalyze then multiplies every estimate by a correction factor: the highest ratio "VDOT by
time / VDOT by heart rate" among the runner's three best races (``JD/LegacyEffective
VO2maxCorrector.php``, ``fromDatabase``), 1 without a race with heart rate.  Runs here are
races when their runner marks them so (``workout_type = "race"``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from dataservice.plans import vdot as daniels

SHORTEST_EFFORT = 1500  # metres
# Heart-rate estimates of runs shorter than this say more about the start than the run.
SHORTEST_RUN = 1500  # metres
SHORTEST_DURATION = 10 * 60  # seconds
# An average below half of HRmax is a strap that lost contact, above it a wrong HRmax.
HR_SHARES = (0.5, 1.0)
# The races whose ratio can set the correction factor (Runalyze's DB_LOOKUP_LIMIT).
RACES_FOR_FACTOR = 3
# A figure outside a human range is a wrong record (a GPS jump), not a runner: no VDOT.
PLAUSIBLE = (daniels.MIN_VDOT, daniels.MAX_VDOT)


def share_of_vvo2max(hr_share: float) -> float:
    """The share of the velocity at VO2max held at ``hr_share`` of HRmax (Runalyze)."""
    return math.exp((hr_share - 1.00466) / 0.68725)


def hr_share_at(share: float) -> float:
    """The inverse: the share of HRmax at ``share`` of vVO2max (Runalyze's ``HRat``)."""
    return 0.68725 * math.log(share) + 1.00466


def by_time(efforts: Iterable[tuple[int, float]]) -> tuple[float, int] | None:
    """The highest VDOT among (distance, seconds) efforts of 1500 m or more, with its
    distance; None without one."""
    best: tuple[float, int] | None = None
    for distance, seconds in efforts:
        if distance < SHORTEST_EFFORT or seconds <= 0:
            continue
        value = daniels.vdot(distance, seconds)
        if best is None or value > best[0]:
            best = (value, distance)
    return best


def by_heart_rate(
    distance: float, seconds: float, average_hr: float | None, max_hr: int | None
) -> float | None:
    """Runalyze's uncorrected estimate from a run's pace and average heart rate; None when
    the run is too short or either heart rate is missing or implausible."""
    if not average_hr or not max_hr or distance < SHORTEST_RUN or seconds < SHORTEST_DURATION:
        return None
    hr_share = average_hr / max_hr
    if not HR_SHARES[0] <= hr_share <= HR_SHARES[1]:
        return None
    speed = distance / (seconds / 60)  # metres a minute
    return daniels.oxygen_cost(speed / share_of_vvo2max(hr_share))


@dataclass(frozen=True)
class RunFigures:
    """What one run gives before the runner-wide correction factor."""

    run_id: int
    by_time: float | None
    effort_distance: int | None
    by_hr: float | None
    is_race: bool


def correction_factor(runs: Sequence[RunFigures]) -> float:
    """Runalyze's factor: the highest by-time / by-HR ratio among the (up to) three races
    with the highest VDOT by time that have both; 1.0 without one."""
    races = sorted(
        (r for r in runs if r.is_race and r.by_time and r.by_hr),
        key=lambda r: (-(r.by_time or 0.0), r.run_id),
    )[:RACES_FOR_FACTOR]
    ratios = [r.by_time / r.by_hr for r in races if r.by_time and r.by_hr]
    return max(ratios) if ratios else 1.0


def run_vdot(figures: RunFigures, factor: float) -> float | None:
    """The run's VDOT: the corrected heart-rate estimate when there is one, else the best
    effort's; None when neither exists or the figure is not a human one."""
    value = figures.by_hr * factor if figures.by_hr is not None else figures.by_time
    if value is None or not PLAUSIBLE[0] <= value <= PLAUSIBLE[1]:
        return None
    return value
