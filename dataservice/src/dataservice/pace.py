"""Pace as a runner reads it: seconds per kilometre, or null when there is none to read."""

from __future__ import annotations

import math


def per_km(seconds: float, metres: float) -> float | None:
    """``seconds`` per 1,000 ``metres``, to a tenth; ``None`` when nothing was covered or the
    distance is too small for a finite pace (a subnormal distance from a client or Strava:
    Infinity is not JSON, and PostgreSQL refuses it in a stored answer)."""
    if metres <= 0:
        return None
    pace = seconds * 1000 / metres
    return round(pace, 1) if math.isfinite(pace) else None
