"""What webhook events left to check for one athlete, kept in the shared store.

Strava does not sign events, so an event is only a hint that something changed: the
activity to look at again (``fresh``: not looked at yet; ``check``: a listing did not show
it, to be fetched on its own) or the athlete's access to confirm (``deauth``).  Hints wait
in the store until one drain per athlete (``strava_worker.events.drain``) takes them, so a
flood of events for an athlete costs one Strava request per drain, and a real event among
forged ones is kept, not dropped.  The drain's ``claim`` makes sure there is one at a time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Activity ids kept per athlete and kind: a flood of forged ids beyond this is dropped
# (the listing a drain reads for many fresh ids still shows new activities).
HINTS_MAX = 200


@dataclass(frozen=True)
class Hints:
    fresh: dict[int, float] = field(default_factory=dict)  # activity id → first event_time
    check: dict[int, float] = field(default_factory=dict)
    deauth: str | None = None  # the flag's value: settled only if no newer event reset it

    def __bool__(self) -> bool:
        return bool(self.fresh or self.check or self.deauth)

    def oldest(self) -> float | None:
        """The earliest event_time among the activity hints (the event lag's start)."""
        return min([*self.fresh.values(), *self.check.values()], default=None)
