"""Turn a file's samples into a clean, time-ordered track with cumulative distance.

Decisions, so every format behaves alike:
- Samples without a time are dropped: a point that cannot be placed in time says nothing
  about pace. A file with no timed point at all is refused.
- Samples are sorted by time (stably) rather than refused: exporters that merge laps or
  segments sometimes write them out of order, and the sorted track is the run as it
  happened. A later sample with the same time as an earlier one is dropped.
- A position out of range is refused (the file is wrong), and so is a time outside the
  dates Runnerly stores (runnerly_common.dates: a device clock reset to 1900 or a FIT
  timestamp near its 2125 limit would break yearly totals); an elevation, HR or device
  distance that is not plausible is ignored (sensors drop out and write junk).
- One-point GPS spikes (out and straight back at an impossible speed) lose their position.
- Distance is the haversine length of the positions; a track without positions (treadmill,
  indoor) uses the device's cumulative distance instead.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from itertools import pairwise

from runnerly_common import dates

from .model import MAX_POINTS, FileRejected, Sample, TrackPoint, short

EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG)
_ELEVATION_RANGE = (-1_000.0, 10_000.0)
_HR_RANGE = (20, 255)


def haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres; within 0.5% of the ellipsoid, plenty for a run."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dlat, dlon = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dlat / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, a)))


def build_track(
    samples: Sequence[Sample], label: str, spike_speed: float
) -> tuple[dt.datetime, list[TrackPoint]]:
    """The start time (UTC) and the cleaned points; FileRejected if no run can be made.

    `spike_speed` (m/s) is the speed no one doing this sport reaches, used to spot spikes.
    """
    if not samples:
        raise FileRejected(f"{label}: no track points")
    if len(samples) > MAX_POINTS:
        raise FileRejected(f"{label}: too many track points (more than {MAX_POINTS:,})")
    timed = sorted(
        (_checked(sample, label) for sample in samples if sample.time is not None),
        key=_time,
    )
    if not timed:
        raise FileRejected(f"{label}: no track points with times")
    start = _time(timed[0]).astimezone(dt.UTC)
    unique = [timed[0]] + [b for a, b in pairwise(timed) if b.time != a.time]
    if len(unique) < 2:
        raise FileRejected(f"{label}: the track needs at least two points at different times")
    seconds = [(_time(sample) - _time(timed[0])).total_seconds() for sample in unique]
    positions = _despiked([(s.lat, s.lon) for s in unique], seconds, spike_speed)
    distances = _distances(positions, [s.dist for s in unique])
    points = [
        TrackPoint(t, lat, lon, s.ele, None if s.hr is None else round(s.hr), d)
        for t, (lat, lon), s, d in zip(seconds, positions, unique, distances, strict=True)
    ]
    return start, points


def _time(sample: Sample) -> dt.datetime:
    """The time of a sample kept for having one."""
    if sample.time is None:  # the samples without one were left out first
        raise ValueError("a track point without a time")
    return sample.time


def _checked(sample: Sample, label: str) -> Sample:
    """The sample with implausible sensor values removed; FileRejected for a bad position."""
    lat, lon = sample.lat, sample.lon
    if lat is None or lon is None:
        lat = lon = None
    elif not (-90 <= lat <= 90 and -180 <= lon <= 180):  # also false for NaN
        raise FileRejected(f"{label}: a track point has a latitude or longitude out of range")
    ele, hr, dist = sample.ele, sample.hr, sample.dist
    if ele is not None and not _ELEVATION_RANGE[0] <= ele <= _ELEVATION_RANGE[1]:
        ele = None
    if hr is not None and not _HR_RANGE[0] <= hr <= _HR_RANGE[1]:
        hr = None
    if dist is not None and not 0 <= dist < math.inf:
        dist = None
    time = _time(sample)
    time = time if time.tzinfo else time.replace(tzinfo=dt.UTC)
    problem = dates.datetime_problem(time)
    if problem:
        raise FileRejected(f"{label}: a track point's time ({short(time.isoformat())}) {problem}")
    return Sample(time, lat, lon, ele, hr, dist)


Position = tuple[float | None, float | None]


def _despiked(positions: list[Position], seconds: list[float], limit: float) -> list[Position]:
    """Blank a position reached and left at over `limit` m/s when skipping it is plausible."""
    kept = list(positions)
    fixed = [i for i, (lat, _) in enumerate(positions) if lat is not None]

    def speed(i: int, j: int) -> float:
        (lat1, lon1), (lat2, lon2) = kept[i], positions[j]
        return haversine(lat1, lon1, lat2, lon2) / (seconds[j] - seconds[i])  # type: ignore[arg-type]

    previous = fixed[0] if fixed else 0
    for here, after in pairwise(fixed[1:]):
        if speed(previous, here) > limit and speed(previous, after) <= limit:
            kept[here] = (None, None)
        else:
            previous = here
    return kept


def _distances(positions: list[Position], recorded: list[float | None]) -> list[float]:
    """Cumulative metres: from positions when there are two, else from the device's values."""
    # _checked keeps both coordinates or neither.
    fixes = [
        (i, lat, lon)
        for i, (lat, lon) in enumerate(positions)
        if lat is not None and lon is not None
    ]
    total, out = 0.0, [0.0] * len(positions)
    if len(fixes) >= 2:
        step = {j: haversine(a, b, c, d) for (_, a, b), (j, c, d) in pairwise(fixes)}
        for i in range(len(positions)):
            total += step.get(i, 0.0)
            out[i] = total
        return out
    first = next((value for value in recorded if value is not None), None)
    for i, value in enumerate(recorded):
        if value is not None and first is not None:
            total = max(total, value - first)  # a device total never goes back
        out[i] = total
    return out
