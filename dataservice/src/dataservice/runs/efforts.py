"""Best efforts a run holds over the record distances.

Measured from the run's stream or track they are exact (the fastest stretch, interpolated on
cumulative distance: :func:`dataservice.imports.efforts.fastest`); Strava may send its own;
otherwise a run that was about a record distance long (within 5 %) holds that distance at
its average pace.

Then one rule keeps a run's efforts from contradicting each other (docs/decisions.md, 28):
**no effort is slower per kilometre than a longer effort of the same run.**  An exact
sliding window cannot promise that by itself (the universal chord theorem: a 10 km at an
even 4:00/km can hold no 3 km faster than 4:00/km only when 3 divides 10 — and pauses or
a sprint finish make shorter windows slower still), so a shorter effort slower than a
longer one's pace is reported at that pace instead, with ``origin`` ``"pace"``: "this run
held at least this pace over a longer distance".  Since each run's efforts obey it, so do the
records (the fastest effort per distance): a record at 5 km is never slower per km than
the 10 km record, for the 10 km record's run also holds a 5 km at least that fast.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from dataservice.runs.models import RECORD_DISTANCES

RUNNING_SPORTS = frozenset({"Run", "TrailRun", "VirtualRun"})
WHOLE_RUN_TOLERANCE = 1.05
AT_LONGER_PACE = "pace"


def measured_efforts(
    run: Mapping[str, Any], measured: Mapping[int, float] | None, origin: str
) -> dict[int, tuple[float, str]]:
    """{distance: (seconds, origin)}: what was measured (``origin``), else the whole run
    when it was about a record distance long; before :func:`consistent`."""
    if run["sport_type"] not in RUNNING_SPORTS or run["distance"] <= 0:
        return {}
    efforts: dict[int, tuple[float, str]] = {}
    if measured:
        for distance, elapsed in measured.items():
            if distance in RECORD_DISTANCES and elapsed > 0 and distance <= run["distance"] + 1:
                efforts[distance] = (round(float(elapsed), 3), origin)
    time = run["moving_time"] or run["elapsed_time"]
    for distance in RECORD_DISTANCES:
        if (
            distance not in efforts
            and time > 0
            and distance <= run["distance"] <= distance * WHOLE_RUN_TOLERANCE
        ):
            efforts[distance] = (round(time * distance / run["distance"], 3), "whole")
    return efforts


def consistent(efforts: Mapping[int, tuple[float, str]]) -> dict[int, tuple[float, str]]:
    """The efforts with every shorter distance at least as fast per km as each longer one:
    from the longest down, a slower effort (or a missing one below a held distance) takes
    the fastest longer pace, rounded down to the millisecond so that it is never slower.
    Efforts are kept to the millisecond, not rounded to 0.1 s: a mile of an even run
    rounded down (402.25 s to 402.2) would be faster per km than its kilometre."""
    result: dict[int, tuple[float, str]] = {}
    pace = math.inf  # the fastest seconds per metre of the longer efforts so far
    for distance in sorted(RECORD_DISTANCES, reverse=True):
        found = efforts.get(distance)
        capped = math.floor(pace * distance * 1000 + 1e-6) / 1000 if pace < math.inf else math.inf
        if found is not None and found[0] <= capped:
            result[distance] = found
        elif capped < math.inf and capped > 0:
            result[distance] = (capped, AT_LONGER_PACE)
        else:
            continue
        pace = min(pace, result[distance][0] / distance)
    return result


def efforts_for(
    run: Mapping[str, Any], provided: Mapping[int, float] | None, origin: str
) -> list[dict[str, Any]]:
    """Rows for ``best_efforts`` (without ``run_id``) of one run, as plain dicts."""
    efforts = consistent(measured_efforts(run, provided, origin))
    return [
        {
            "distance": d,
            "elapsed": e,
            "origin": o,
            "runner_id": run["runner_id"],
            "start_time": run["start_time"],
        }
        for d, (e, o) in sorted(efforts.items())
    ]
