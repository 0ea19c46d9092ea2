"""Best efforts a run holds over the record distances.

From a track (file import) they are exact; Strava may send its own; otherwise a run that
was about a record distance long (within 5 %) holds that distance at its average pace.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dataservice.runs.models import RECORD_DISTANCES

RUNNING_SPORTS = frozenset({"Run", "TrailRun", "VirtualRun"})
WHOLE_RUN_TOLERANCE = 1.05


def efforts_for(
    run: Mapping[str, Any], provided: Mapping[int, float] | None, origin: str
) -> list[dict[str, Any]]:
    """Rows for ``best_efforts`` (without ``run_id``) of one run, as plain dicts."""
    if run["sport_type"] not in RUNNING_SPORTS or run["distance"] <= 0:
        return []
    efforts: dict[int, tuple[float, str]] = {}
    if provided:
        for distance, elapsed in provided.items():
            if distance in RECORD_DISTANCES and elapsed > 0 and distance <= run["distance"] + 1:
                efforts[distance] = (float(elapsed), origin)
    time = run["moving_time"] or run["elapsed_time"]
    for distance in RECORD_DISTANCES:
        if (
            distance not in efforts
            and time > 0
            and distance <= run["distance"] <= distance * WHOLE_RUN_TOLERANCE
        ):
            efforts[distance] = (time * distance / run["distance"], "whole")
    return [
        {
            "distance": d,
            "elapsed": round(e, 1),
            "origin": o,
            "runner_id": run["runner_id"],
            "start_time": run["start_time"],
        }
        for d, (e, o) in sorted(efforts.items())
    ]
