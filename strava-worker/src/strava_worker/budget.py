"""One Strava rate budget for every worker process.

Before each call a worker reserves a slot in the current short window (Strava's 15 minutes,
aligned to :00/:15/:30/:45) and in the current day (aligned to UTC midnight); windows are
multiples of their length since the epoch, as Strava's and strava-sim's are.  Responses
correct the counts (``X-ReadRateLimit-Usage`` is the truth: other clients of the same app
spend it too) and a 429 closes the window until it ends.  A caller that gets no slot is told
how long to wait; it reschedules its task instead of sleeping in a worker slot.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from strava_worker.hints import Hints


@dataclass(frozen=True)
class Windows:
    limit_short: int
    limit_daily: int
    short_seconds: int = 900
    day_seconds: int = 86400

    def starts(self, now: float) -> tuple[int, int]:
        return (
            int(now // self.short_seconds * self.short_seconds),
            int(now // self.day_seconds * self.day_seconds),
        )

    def wait(self, now: float, *, daily: bool) -> float:
        """Seconds until the short window (or the day) that is full starts again."""
        short, day = self.starts(now)
        end = day + self.day_seconds if daily else short + self.short_seconds
        return max(end - now, 0.001)


class Store(Protocol):
    """Counters, locks and each runner's last sync; Redis in production, a SQLite file on
    one machine."""

    def reserve(self, windows: Windows, now: float) -> tuple[bool, bool]:
        """Take one slot in both windows: (granted, blocked_by_daily)."""

    def raise_to(self, windows: Windows, now: float, short: int, daily: int) -> None:
        """Counts become at least these (the server's view of usage)."""

    def usage(self, windows: Windows, now: float) -> tuple[int, int]:
        """The current windows' counts (short, daily), without taking a slot."""

    def acquire(self, name: str, owner: str, seconds: int) -> bool: ...

    def release(self, name: str, owner: str) -> None: ...

    def record_sync(self, user_id: int, at: float) -> None:
        """The runner's sync completed at ``at`` (an older time never replaces a newer)."""

    def forget_sync(self, user_id: int) -> None:
        """The runner is no longer synced (unlinked)."""

    def reconcile_syncs(self, synced: Mapping[int, float]) -> None:
        """Exactly these runners are synced, each last at least at the time given."""

    def oldest_sync(self) -> float | None:
        """The least recent last sync among the runners recorded; None: no runner."""

    # --- webhook events (strava_worker.hints, strava_worker.events) ---

    def subscription_id(self) -> int | None:
        """The push subscription the worker created or found; None: none yet."""

    def set_subscription_id(self, subscription_id: int) -> None: ...

    def add_hint(
        self, athlete: int, activity_id: int | None, event_time: float, claim_seconds: int
    ) -> bool:
        """Keep a hint (``activity_id`` None: confirm the athlete's access); True when this
        call took the athlete's drain claim, so the caller must schedule the drain."""

    def keep_claim(self, athlete: int, claim_seconds: int) -> bool:
        """True (claim extended) while hints wait; otherwise the claim is released, in the
        same step, so a hint added right after takes a new claim."""

    def peek_hints(self, athlete: int) -> Hints: ...

    def settle_hints(self, athlete: int, done: Hints, recheck: dict[int, float]) -> None:
        """Forget the hints handled (a deauth flag only if no newer event set it again) and
        keep ``recheck`` as ``check`` hints."""

    def clear_hints(self, athlete: int) -> None:
        """Forget every hint of the athlete and release the claim (unknown or unlinked)."""


class OutOfBudget(Exception):
    """No slot now; ``retry_at`` (epoch seconds) is when the next window opens."""

    def __init__(self, retry_at: float, *, daily: bool) -> None:
        super().__init__(
            f"Strava budget spent until {retry_at:.0f} ({'day' if daily else '15 min'})"
        )
        self.retry_at = retry_at
        self.daily = daily


class RateBudget:
    def __init__(
        self, store: Store, windows: Windows, clock: Callable[[], float] = time.time
    ) -> None:
        self.store = store
        self.windows = windows
        self.clock = clock

    def reserve(self) -> None:
        """Take a slot for one request, or raise :class:`OutOfBudget`."""
        now = self.clock()
        granted, daily = self.store.reserve(self.windows, now)
        if not granted:
            raise OutOfBudget(now + self.windows.wait(now, daily=daily), daily=daily)

    def observe(self, headers: Mapping[str, str]) -> None:
        """Correct the counts from a response's usage headers (read limit first)."""
        usage = headers.get("X-ReadRateLimit-Usage") or headers.get("X-RateLimit-Usage")
        parsed = _pair(usage)
        if parsed:
            self.store.raise_to(self.windows, self.clock(), *parsed)

    def exhausted(self, headers: Mapping[str, str]) -> OutOfBudget:
        """After a 429: close the window (the day, if that is what is spent) and say until when."""
        now = self.clock()
        limit = _pair(headers.get("X-ReadRateLimit-Limit") or headers.get("X-RateLimit-Limit"))
        usage = _pair(headers.get("X-ReadRateLimit-Usage") or headers.get("X-RateLimit-Usage"))
        daily = bool(limit and usage and usage[1] >= min(limit[1], self.windows.limit_daily))
        big = 10**9
        self.store.raise_to(self.windows, now, big, big if daily else 0)
        return OutOfBudget(now + self.windows.wait(now, daily=daily), daily=daily)


def _pair(value: str | None) -> tuple[int, int] | None:
    try:
        short, daily = (int(part) for part in (value or "").split(","))
    except ValueError:
        return None
    return short, daily
