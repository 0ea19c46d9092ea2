"""A run's training load: Banister's TRIMP from heart rate, else a pace-based load from the
runner's threshold pace scaled to TRIMP.  Pure arithmetic, no database.

**TRIMP** (E. W. Banister, "Modeling elite athletic performance", in *Physiological
Testing of the High-Performance Athlete*, 1991): for a stretch of ``minutes`` at heart-rate
reserve fraction ``ΔHRr = (HR − HRrest) / (HRmax − HRrest)``,
``TRIMP = minutes × ΔHRr × A·e^(B·ΔHRr)``, with A = 0.64, B = 1.92 for men and
A = 0.86, B = 1.67 for women.  The profile has no sex, so the stored loads use what
Runalyze uses for an unknown gender (Runalyze/Runalyze ``inc/core/Calculation/Trimp/
Factor.php``): the mean exponent B = 1.795 and A = 0.725215, a base factor chosen so that
every runner's TRIMP has the same range.  From a heart-rate stream the sum runs over each
sample interval (the interval's first sample's rate); intervals longer than
``LONGEST_INTERVAL`` are a paused watch, not training, and are left out.

**Pace-based load** for a run without heart rate: Coggan's rTSS form,
``hours × IF² × 100`` with IF the run's speed over the threshold speed, times
``PACE_SCALE`` = TRIMP of an hour at threshold / 100, so that an hour at threshold pace is
the same load as an hour at threshold heart rate.  Threshold is taken at 88 % of heart-rate
reserve: Daniels' T pace is 88 % of VO2max (``plans.vdot.SHARES``), and %HRR tracks %VO2
reserve (Swain & Leutholtz 1997).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from dataservice.plans import vdot


@dataclass(frozen=True)
class Constants:
    a: float
    b: float


MALE = Constants(0.64, 1.92)  # Banister 1991
FEMALE = Constants(0.86, 1.67)  # Banister 1991
UNKNOWN = Constants(0.725215, 1.795)  # Runalyze, gender not given: the one stored loads use
LONGEST_INTERVAL = 60.0  # seconds between two heart-rate samples that still count
THRESHOLD_HRR = 0.88
# Speeds slower than this share of threshold are walking breaks, not a load worth a figure;
# faster than twice threshold is a GPS error: the ratio is kept within.
MIN_IF, MAX_IF = 0.3, 2.0

# Sports whose pace says how hard they were: the pace-based load is for these only.
PACED_SPORTS = frozenset({"Run", "TrailRun", "VirtualRun"})


def hrr(hr: float, max_hr: float, rest_hr: float) -> float:
    """Heart-rate reserve fraction, within 0..1 (a rate above max is max, below rest none)."""
    return min(max((hr - rest_hr) / (max_hr - rest_hr), 0.0), 1.0)


def trimp(minutes: float, reserve: float, constants: Constants = UNKNOWN) -> float:
    """Banister's TRIMP of ``minutes`` at heart-rate reserve fraction ``reserve``."""
    return minutes * reserve * constants.a * math.exp(constants.b * reserve)


def trimp_of_samples(
    times: Sequence[float],
    rates: Sequence[float | None],
    max_hr: float,
    rest_hr: float,
    constants: Constants = UNKNOWN,
) -> float | None:
    """TRIMP summed over each sample interval; None when no interval has a rate."""
    total, counted = 0.0, False
    for (t0, hr), (t1, _) in pairwise(zip(times, rates, strict=True)):
        step = t1 - t0
        if hr is None or hr <= 0 or step <= 0 or step > LONGEST_INTERVAL:
            continue
        total += trimp(step / 60, hrr(hr, max_hr, rest_hr), constants)
        counted = True
    return total if counted else None


PACE_SCALE = trimp(60, THRESHOLD_HRR) / 100


def pace_load(seconds: float, distance: float, threshold_pace: float) -> float:
    """The pace-based load of ``distance`` metres in ``seconds`` for a runner whose
    threshold pace is ``threshold_pace`` seconds a km."""
    intensity = min(max((distance / seconds) / (1000 / threshold_pace), MIN_IF), MAX_IF)
    return seconds / 3600 * intensity**2 * 100 * PACE_SCALE


def threshold_from_vdot(fitness: float) -> float:
    """Daniels' T pace (s/km) for VDOT ``fitness``."""
    return vdot.training_paces(fitness).T
