"""Kilometre and mile splits of a run with a stream or a track.

The time at each whole kilometre (or mile) is interpolated on cumulative distance, as the
best efforts are; the last split is what is left when the run does not end on one.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from typing import Any

UNITS = {"km": 1000.0, "mile": 1609.344}
_LAST_SPLIT = 1.0  # m: a remainder shorter than this is GPS noise, not a split


def time_at(dist: Sequence[float], time: Sequence[float], at: float) -> float:
    """The time the run reached ``at`` metres (the first moment, a pause not counted in)."""
    j = bisect_left(dist, at)
    if j == 0:
        return time[0]
    if j >= len(dist):
        return time[-1]
    span = dist[j] - dist[j - 1]
    return time[j - 1] + (at - dist[j - 1]) / span * (time[j] - time[j - 1])


def splits(dist: Sequence[float], time: Sequence[float], unit: str) -> list[dict[str, Any]]:
    """[{split, distance (m), elapsed (s), pace (s per unit)}] from the start to the end."""
    if len(dist) < 2:
        return []
    length = UNITS[unit]
    start, total = dist[0], dist[-1] - dist[0]
    result: list[dict[str, Any]] = []
    done, before = 0.0, time[0]
    while total - done >= _LAST_SPLIT:
        step = min(length, total - done)
        reached = time_at(dist, time, start + done + step)
        elapsed = reached - before
        result.append(
            {
                "split": len(result) + 1,
                "distance": round(step, 1),
                "elapsed": round(elapsed, 1),
                "pace": round(elapsed * length / step, 1),
            }
        )
        done, before = done + step, reached
    return result
