"""Whole-run figures from a cleaned track: moving time, climb, heart rate, top speed.

Each one has a guard against the noise real recordings carry, because these numbers are
shown to the runner and compared across runs:
- moving time counts only stretches faster than a walk's crawl, so pauses (auto-paused
  gaps or standing at a light with the watch running) fall out of it;
- elevation gain counts a climb only once it exceeds a threshold (hysteresis), so a flat
  run with ±1 m of GPS or barometer jitter gains nothing;
- average HR is weighted by time while moving, like the devices' own averages;
- max speed is the best speed over a sliding window of some seconds, never one pair of
  points: a single misplaced fix would otherwise make a jogger a sprinter.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import pairwise

from .model import TrackPoint

MOVING_SPEED = 0.5
"""m/s: slower than the slowest steep-uphill hike; standing still measures below it."""

CLIMB_THRESHOLD = 3.0
"""m: a rise smaller than this, bracketed by falls, is noise rather than a hill."""

SPEED_WINDOW = 10.0
"""s: max speed is measured over at least this long."""


def _segments(points: Sequence[TrackPoint]) -> Iterator[tuple[TrackPoint, TrackPoint, bool]]:
    """Each pair of consecutive points, and whether the runner was moving between them."""
    for a, b in pairwise(points):
        yield a, b, (b.dist - a.dist) >= MOVING_SPEED * (b.t - a.t)


def moving_time(points: Sequence[TrackPoint]) -> float:
    """Seconds spent moving; the elapsed time when the track has no distance at all.

    A track without distance (an HR-only gym session) cannot tell pauses apart, and calling
    all of it a pause would be the worse answer.
    """
    if not points:
        return 0.0
    if points[-1].dist <= 0:
        return points[-1].t - points[0].t
    return sum(b.t - a.t for a, b, moving in _segments(points) if moving)


def elevation_gain(points: Sequence[TrackPoint]) -> float | None:
    """Metres climbed, counting each climb from its trough once it rises CLIMB_THRESHOLD."""
    elevations = [p.ele for p in points if p.ele is not None]
    if not elevations:
        return None
    gain, trough, peak, climbing = 0.0, elevations[0], elevations[0], False
    for ele in elevations[1:]:
        if climbing:
            if ele > peak:
                peak = ele
            elif ele < peak - CLIMB_THRESHOLD:
                gain += peak - trough
                trough, climbing = ele, False
        elif ele < trough:
            trough = ele
        elif ele > trough + CLIMB_THRESHOLD:
            peak, climbing = ele, True
    if climbing:
        gain += peak - trough
    return gain


def heart_rate(points: Sequence[TrackPoint]) -> tuple[float | None, int | None]:
    """(average, max) HR; average weighted by moving time, plain mean when nothing moved."""
    rates = [p.hr for p in points if p.hr is not None]
    if not rates:
        return None, None
    has_distance = points[-1].dist > 0
    weighted = total = 0.0
    for a, b, moving in _segments(points):
        if a.hr is not None and b.hr is not None and (moving or not has_distance):
            weighted += (a.hr + b.hr) / 2 * (b.t - a.t)
            total += b.t - a.t
    average = weighted / total if total else sum(rates) / len(rates)
    return average, max(rates)


def max_speed(points: Sequence[TrackPoint]) -> float:
    """Fastest average speed over any stretch of at least SPEED_WINDOW seconds (m/s)."""
    if len(points) < 2:
        return 0.0
    if points[-1].t - points[0].t <= SPEED_WINDOW:
        return (points[-1].dist - points[0].dist) / (points[-1].t - points[0].t)
    best, end = 0.0, 0
    for first in points:
        while end < len(points) - 1 and points[end].t - first.t < SPEED_WINDOW:
            end += 1
        span = points[end].t - first.t
        if span < SPEED_WINDOW:
            break
        best = max(best, (points[end].dist - first.dist) / span)
    return best
