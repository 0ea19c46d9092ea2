"""Reading a window of an athlete's activities, whatever order Strava's pages come in.

Strava documents ``/athlete/activities`` as newest first, yet it is reported to answer
oldest first when only ``after`` is given, and nothing promises either.  So a window
``after < start < before`` is read without trusting the direction (pages are taken to be
sorted by start, one way or the other, which is what both readings say):

- a page shorter than ``per_page`` ends the window: everything in it has been listed;
- a full page sorted newest first holds everything above its oldest start, so the window
  shrinks to below that start (plus one second: activities sharing it are read again, never
  skipped); a full page sorted oldest first shrinks the window from below the same way;
- a full page in any other order (or all in one second) goes on with the next page number.

Shrinking the window, rather than counting pages, means an activity uploaded or deleted
while the window is read does not shift the pages under the reader: nothing is skipped.
The state is three numbers, so a read stopped by the rate budget resumes exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import Any

from runnerly_common import dates
from strava_worker import mapping

FIRST = int(dates.MIN_DATETIME.timestamp())
LAST = int(dates.END_DATETIME.timestamp()) - 1


@dataclass(frozen=True)
class Window:
    """What is still to be read: starts strictly between ``after`` and ``before`` (epoch
    seconds; None: unbounded), from page ``page`` of that window."""

    after: int | None = None
    before: int | None = None
    page: int = 1

    def params(self, per_page: int) -> dict[str, Any]:
        return {"after": self.after, "before": self.before, "page": self.page, "per_page": per_page}


def next_window(
    window: Window, activities: Sequence[dict[str, Any]], per_page: int
) -> Window | None:
    """The window left to read after ``activities`` (``window``'s page); None: all read."""
    if len(activities) < per_page:
        return None
    starts = _starts(activities)
    if starts is not None and len(set(starts)) > 1:
        if all(a >= b for a, b in pairwise(starts)):  # newest first
            before = _storable(starts[-1] + 1)
            if window.before is None or before < window.before:
                return Window(window.after, before, 1)
        elif all(a <= b for a, b in pairwise(starts)):  # oldest first
            after = _storable(starts[-1] - 1)
            if window.after is None or after > window.after:
                return Window(after, window.before, 1)
    return replace(window, page=window.page + 1)


def _storable(seconds: int) -> int:
    """A window edge within Runnerly's dates, so the dataservice can keep a backfill's
    progress: what lies beyond them is set aside anyway, and everything between the edge
    and the page is read already, so nothing storable is skipped."""
    return min(max(seconds, FIRST), LAST)


def _starts(activities: Sequence[dict[str, Any]]) -> list[int] | None:
    """Each activity's start in epoch seconds, in page order; None when one has no
    readable start (the page is then read by page numbers only)."""
    try:
        return [int(mapping.start_of(a).timestamp()) for a in activities]
    except (KeyError, ValueError, TypeError, OverflowError):
        return None
