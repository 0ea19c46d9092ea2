"""Race predictions two ways, both shown: Daniels' tables (the VDOT formula solved for the
time, :func:`dataservice.plans.vdot.race_time`) from the runner's current VDOT, and Riegel's
endurance model (P. Riegel, "Athletic records and human endurance", American Scientist 69,
1981: ``T2 = T1 (D2 / D1)^1.06``) from the runner's best recent effort."""

from __future__ import annotations

from dataservice.plans import vdot as daniels

RIEGEL_EXPONENT = 1.06
DISTANCES = ((5000, "5 km"), (10000, "10 km"), (21097.5, "Half marathon"), (42195, "Marathon"))


def riegel(seconds: float, distance: float, target: float) -> float:
    """Seconds over ``target`` metres for a runner who covered ``distance`` in ``seconds``."""
    return float(seconds * (target / distance) ** RIEGEL_EXPONENT)


def by_vdot(fitness: float, distance: float) -> float:
    """Seconds over ``distance`` metres at VDOT ``fitness``, by Daniels' formula."""
    return daniels.race_time(fitness, distance)
