"""When two activities are one effort: the duplicate rule, apart from any storage.

A watch's file of a run Strava already imported, or two files of one run, describe the
same effort: they cover (almost) the same stretch of time and (almost) the same distance
in (almost) the same moving time.  The rule, symmetric in its two runs:

- their time ranges (``start`` .. ``start + elapsed``) intersect over at least
  ``MIN_OVERLAP`` (85 %) of the longer one: two runs of one day that merely touch, or a
  warm-up and the race after it, never qualify;
- their distances differ by at most ``DISTANCE_TOLERANCE`` (10 %) of the longer, and their
  moving times by at most ``MOVING_TOLERANCE`` (10 %) of the longer (a watch and a phone
  measure a 10 km run within a few hundred metres, and pause detection differs).

The sources do not matter (Strava, file, manual): two Strava uploads of one run are one run
too.  The sport does not either: a watch may call a trail run "Run".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

MIN_OVERLAP = 0.85
DISTANCE_TOLERANCE = 0.10
MOVING_TOLERANCE = 0.10
# Where a duplicate of a run can start at all: within a quarter of the run's elapsed time
# (an overlap of 85 % of the longer bounds the shift by 15 % of it, and the longer by
# 1/0.85 of the shorter; a quarter leaves room).  Lets a caller read candidates by index.
WINDOW = 0.25


@dataclass(frozen=True)
class Effort:
    """What the rule reads of a run."""

    id: int
    start: datetime
    elapsed_time: int  # s
    moving_time: int  # s
    distance: float  # m

    @property
    def end(self) -> datetime:
        return self.start + timedelta(seconds=self.elapsed_time)


def overlap(a: Effort, b: Effort) -> float:
    """Seconds both time ranges share (0 when they touch or are apart)."""
    shared = (min(a.end, b.end) - max(a.start, b.start)).total_seconds()
    return max(shared, 0.0)


def _close(x: float, y: float, tolerance: float) -> bool:
    return abs(x - y) <= tolerance * max(x, y)


def same_effort(a: Effort, b: Effort) -> bool:
    """True when ``a`` and ``b`` are one effort recorded twice (the module's rule)."""
    longer = max(a.elapsed_time, b.elapsed_time)
    if longer <= 0 or a.id == b.id:
        return False
    return (
        overlap(a, b) >= MIN_OVERLAP * longer
        and _close(a.distance, b.distance, DISTANCE_TOLERANCE)
        and _close(a.moving_time, b.moving_time, MOVING_TOLERANCE)
    )


def window(effort: Effort) -> tuple[datetime, datetime]:
    """The start times (both included) a duplicate of ``effort`` can have."""
    slack = timedelta(seconds=WINDOW * effort.elapsed_time + 1)
    return effort.start - slack, effort.start + slack


def pairs(efforts: Iterable[Effort], among: set[int] | None = None) -> Iterator[tuple[int, int]]:
    """Every pair (smaller id first) of ``efforts`` that are one effort; with ``among``,
    only pairs holding at least one of those ids.  A sweep over start times: each run is
    compared with the runs starting within its window only."""
    ordered = sorted(efforts, key=lambda e: (e.start, e.id))
    for index, first in enumerate(ordered):
        last_start = window(first)[1]
        for second in ordered[index + 1 :]:
            if second.start > last_start:
                break
            if among is not None and first.id not in among and second.id not in among:
                continue
            if same_effort(first, second):
                yield (min(first.id, second.id), max(first.id, second.id))
