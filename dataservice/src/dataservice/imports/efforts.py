"""Best efforts: the fastest time to cover each record distance anywhere within a track.

Time as a function of distance is piecewise linear between track points, so the fastest
window of length D starts or ends exactly at a track point. Two sliding passes find it in
O(n) per distance: one with windows starting at each point (the end interpolated), one with
windows ending at each point (the start interpolated). Times are elapsed times, pauses
included, as for a race.
"""

from __future__ import annotations

from collections.abc import Sequence

from .model import BEST_EFFORT_DISTANCES, TrackPoint

_ROUNDING = 0.05
"""m: a track shown as 5000.0 m (distance is rounded to 0.1 m) has a 5 km effort, even when
its unrounded length is a few millimetres short of it (FIT positions are rounded)."""


def best_efforts(
    points: Sequence[TrackPoint], distances: Sequence[int] = BEST_EFFORT_DISTANCES
) -> dict[int, float]:
    """{distance m: fastest seconds} for each distance the track is long enough for."""
    return fastest([p.dist for p in points], [p.t for p in points], distances)


def fastest(
    dist: Sequence[float], time: Sequence[float], distances: Sequence[int] = BEST_EFFORT_DISTANCES
) -> dict[int, float]:
    """{distance m: fastest seconds, to the millisecond} over cumulative distances ``dist`` (never
    decreasing) at times ``time``: a file's track or a Strava stream alike."""
    if len(dist) < 2:
        return {}
    dist, time = list(dist), list(time)
    total = dist[-1] - dist[0]
    efforts = {}
    for target in distances:
        if target - total <= _ROUNDING:
            reach = min(target, total)
            best = min(_forward(dist, time, reach), _backward(dist, time, reach))
            efforts[target] = round(best, 3)
    return efforts


def _forward(dist: list[float], time: list[float], target: float) -> float:
    """Fastest window that starts at a point; its end is interpolated between two points."""
    best, j = float("inf"), 0
    for i in range(len(dist)):
        goal = dist[i] + target
        while j < len(dist) and dist[j] < goal:
            j += 1
        if j == len(dist):
            break
        # dist[j - 1] < goal <= dist[j], so the segment has length > 0
        fraction = (goal - dist[j - 1]) / (dist[j] - dist[j - 1])
        end = time[j - 1] + fraction * (time[j] - time[j - 1])
        best = min(best, end - time[i])
    return best


def _backward(dist: list[float], time: list[float], target: float) -> float:
    """Fastest window that ends at a point; its start is interpolated between two points."""
    best, i = float("inf"), 0
    for j in range(len(dist)):
        goal = dist[j] - target
        if goal < dist[0]:
            continue
        while dist[i + 1] <= goal:
            i += 1
        # dist[i] <= goal < dist[i + 1]
        fraction = (goal - dist[i]) / (dist[i + 1] - dist[i])
        start = time[i] + fraction * (time[i + 1] - time[i])
        best = min(best, time[j] - start)
    return best
