"""An activity's streams, generated from the activity itself: same row, same streams.

The random generator is seeded by the activity's id and the summary's figures, so a stream
always agrees with the summary a client read: the last ``distance`` is the activity's
distance, the seconds marked ``moving`` add up to its moving time and the last ``time`` is
its elapsed time (the difference is stops, where distance does not grow), the climbs of
``altitude`` add up to its elevation gain, ``heartrate`` averages its average heart rate
(per point) and peaks at its maximum.  Streams Strava would not have are left out, as
Strava leaves them out: no ``latlng`` indoors, no ``heartrate`` without a strap, none at
all for a manual entry.
"""

from __future__ import annotations

import math
import random
from typing import Any

from strava_sim.models import Activity

MAX_POINTS = 6000  # a recording every second, thinned to this for long activities
METRES_PER_DEGREE = 111_320.0


def _schedule(rng: random.Random, moving: int, elapsed: int) -> list[tuple[int, int]]:
    """(moving second, seconds stopped there): the stops, adding up to ``elapsed - moving``."""
    stopped = max(elapsed - moving, 0)
    if stopped == 0 or moving < 2:
        return []
    count = min(rng.randint(1, 3), stopped)
    cuts = sorted(rng.sample(range(1, stopped), count - 1)) if count > 1 else []
    lengths = [b - a for a, b in zip([0, *cuts], [*cuts, stopped], strict=True)]
    places = sorted(rng.sample(range(1, moving), min(count, moving - 1)))
    return list(zip(places, lengths, strict=False))


def _speeds(rng: random.Random, row: Activity, seconds: list[int]) -> list[float]:
    """A relative speed at each moving second: waves, drift, intervals for a workout and a
    negative split for a race."""
    period = rng.uniform(300, 900)
    phase = rng.uniform(0, 2 * math.pi)
    moving = max(row.moving_time, 1)
    interval = rng.randint(150, 300)
    speeds, drift = [], 0.0
    for s in seconds:
        drift = max(-0.06, min(0.06, drift + rng.gauss(0, 0.004)))
        speed = 1 + 0.04 * math.sin(2 * math.pi * s / period + phase) + drift
        if row.workout_type == 3 and 900 < s < moving - 600:  # a workout: hard, easy, hard
            speed *= 1.18 if (s - 900) // interval % 2 == 0 else 0.85
        elif row.workout_type == 1:  # a race: a little faster towards the end
            speed *= 0.98 + 0.04 * s / moving
        speeds.append(max(speed, 0.3))
    return speeds


def generate(row: Activity) -> dict[str, list[Any]]:
    """Every stream the activity has, keyed by type, all of one length."""
    if row.manual or row.moving_time <= 0 or row.distance <= 0:
        return {}
    rng = random.Random(  # noqa: S311 - fake data
        f"{row.id}:{row.distance}:{row.moving_time}:{row.elapsed_time}:{row.total_elevation_gain}"
    )
    step = max(1, math.ceil(row.moving_time / MAX_POINTS))
    seconds = [*range(0, row.moving_time, step), row.moving_time]
    speeds = _speeds(rng, row, seconds)
    # distance: the integral of the speeds, scaled to the activity's distance
    covered = [0.0]
    for (a, va), (b, vb) in zip(
        zip(seconds, speeds, strict=True), zip(seconds[1:], speeds[1:], strict=True), strict=False
    ):
        covered.append(covered[-1] + (b - a) * (va + vb) / 2)
    scale = row.distance / covered[-1]
    distance = [c * scale for c in covered]
    distance[-1] = row.distance
    time: list[int] = []
    dist: list[float] = []
    moving: list[bool] = []
    stops = _schedule(rng, row.moving_time, row.elapsed_time)
    paused = 0
    for s, d in zip(seconds, distance, strict=True):
        while stops and stops[0][0] <= s:
            at, length = stops.pop(0)
            if time and time[-1] < at + paused:  # the moment the runner stopped
                stopped_at = _between(at, seconds, distance)
                time.append(at + paused)
                dist.append(stopped_at)
                moving.append(True)
            paused += length
            time.append(at + paused)  # the first point after the stop
            dist.append(dist[-1] if dist else 0.0)
            moving.append(False)
        if time and time[-1] >= s + paused:
            continue
        time.append(s + paused)
        dist.append(d)
        moving.append(True)
    streams: dict[str, list[Any]] = {
        "time": time,
        "distance": [round(d, 1) for d in dist],
        "moving": moving,
        "velocity_smooth": _smooth_speed(time, dist, moving),
    }
    if row.elev_low is not None:
        streams["altitude"] = _altitude(rng, row, dist)
    if row.start_lat is not None and row.start_lng is not None:
        streams["latlng"] = _loop(row.start_lat, row.start_lng, dist, row.distance)
    if row.average_heartrate is not None and row.max_heartrate is not None:
        streams["heartrate"] = _heartrate(rng, row, time)
    if row.average_cadence is not None:
        streams["cadence"] = [
            round(row.average_cadence + rng.gauss(0, 1.5)) if m else 0 for m in moving
        ]
    return streams


def _between(second: int, seconds: list[int], distance: list[float]) -> float:
    """The distance at a moving second (interpolated between two samples)."""
    for i in range(1, len(seconds)):
        if seconds[i] >= second:
            a, b = seconds[i - 1], seconds[i]
            return distance[i - 1] + (distance[i] - distance[i - 1]) * (second - a) / (b - a)
    return distance[-1]


def _smooth_speed(time: list[int], dist: list[float], moving: list[bool]) -> list[float]:
    """m/s over a window of about ten seconds; 0 where stopped."""
    speeds = []
    for i in range(len(time)):
        a, b = max(i - 3, 0), min(i + 3, len(time) - 1)
        span = time[b] - time[a]
        speed = (dist[b] - dist[a]) / span if span > 0 else 0.0
        speeds.append(round(speed, 2) if moving[i] else 0.0)
    return speeds


def _altitude(rng: random.Random, row: Activity, dist: list[float]) -> list[float]:
    """Rolling hills whose climbs add up to the elevation gain: ``hills`` full waves of
    height ``gain / hills`` climb exactly the gain."""
    gain = row.total_elevation_gain or 0.0
    hills = max(1, round(row.distance / 3000))
    height = gain / hills
    base = row.elev_low or 0.0
    return [
        round(base + height * (1 - math.cos(2 * math.pi * hills * d / row.distance)) / 2, 1)
        for d in dist
    ]


def _loop(lat: float, lng: float, dist: list[float], total: float) -> list[list[float]]:
    """A circle through the start whose circumference is the distance run."""
    radius = total / (2 * math.pi) / METRES_PER_DEGREE
    squeeze = math.cos(math.radians(lat)) or 1.0
    points = []
    for d in dist:
        angle = 2 * math.pi * d / total
        points.append(
            [
                round(lat + radius * math.sin(angle), 6),
                round(lng + radius * (1 - math.cos(angle)) / squeeze, 6),
            ]
        )
    return points


def _heartrate(rng: random.Random, row: Activity, time: list[int]) -> list[int]:
    """A rise over the first minutes and a drift, moved and stretched so that its mean is
    the average heart rate and its peak the maximum."""
    average, peak = float(row.average_heartrate or 0), float(row.max_heartrate or 0)
    shape = [
        0.7 + 0.3 * (1 - math.exp(-t / 240)) + 0.05 * t / max(time[-1], 1) + rng.gauss(0, 0.01)
        for t in time
    ]
    mean = sum(shape) / len(shape)
    top = max(shape)
    stretch = (peak - average) / (top - mean) if top > mean else 0.0
    values = [average + (s - mean) * stretch for s in shape]
    for _ in range(3):  # bounded to a heart's range, then moved back to the average
        values = [min(max(v, 40.0), peak) for v in values]
        shift = average - sum(values) / len(values)
        values = [v + shift for v in values]
    rounded = [min(max(round(v), 40), round(peak)) for v in values]
    rounded[shape.index(top)] = round(peak)
    return rounded
