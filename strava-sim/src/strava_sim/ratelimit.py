"""Strava's rate limits: per application, windows aligned to multiples of their length
since the epoch (so :00/:15/:30/:45 and midnight UTC with the defaults).

One upsert with RETURNING counts a request in both windows atomically, so any number of
gunicorn workers share the counts.  Every metered request counts, rejected or not, so
usage may read above the limit, as Strava's headers do.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from strava_sim.models import Controls, RateUsage


@dataclass(frozen=True)
class Usage:
    short: int
    daily: int
    limit_short: int
    limit_daily: int
    overall_short: int
    overall_daily: int
    window_seconds: int
    day_seconds: int

    @property
    def exceeded(self) -> bool:
        return (
            self.short > self.limit_short
            or self.daily > self.limit_daily
            or self.short > self.overall_short
            or self.daily > self.overall_daily
        )

    def headers(self) -> dict[str, str]:
        """Every metered request is a read, so overall and read usage are the same counts."""
        usage = f"{self.short},{self.daily}"
        return {
            "X-RateLimit-Limit": f"{self.overall_short},{self.overall_daily}",
            "X-RateLimit-Usage": usage,
            "X-ReadRateLimit-Limit": f"{self.limit_short},{self.limit_daily}",
            "X-ReadRateLimit-Usage": usage,
        }

    def seconds_to_reset(self, now: float) -> int:
        """Until the window that is over its limit starts again."""
        over_daily = self.daily > min(self.limit_daily, self.overall_daily)
        period = self.day_seconds if over_daily else self.window_seconds
        return int(period - now % period) or period


def _insert(dialect: str):  # type: ignore[no-untyped-def]
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert

        return insert
    return sqlite_insert


def count_request(session: Session, client_id: int, controls: Controls, now: float) -> Usage:
    """Count one request for ``client_id`` and return the usage including it."""
    short_start = int(now // controls.rate_window_seconds * controls.rate_window_seconds)
    day_start = int(now // controls.rate_day_seconds * controls.rate_day_seconds)
    statement = _insert(session.get_bind().dialect.name)(RateUsage).values(
        client_id=client_id,
        short_start=short_start,
        short_count=1,
        day_start=day_start,
        day_count=1,
    )
    new = statement.excluded
    statement = statement.on_conflict_do_update(
        index_elements=[RateUsage.client_id],
        set_={
            "short_count": case(
                (RateUsage.short_start == new.short_start, RateUsage.short_count + 1), else_=1
            ),
            "short_start": new.short_start,
            "day_count": case(
                (RateUsage.day_start == new.day_start, RateUsage.day_count + 1), else_=1
            ),
            "day_start": new.day_start,
        },
    ).returning(RateUsage.short_count, RateUsage.day_count)
    short, daily = session.execute(statement).one()
    return _usage(controls, short, daily)


def peek(session: Session, client_id: int, controls: Controls, now: float) -> Usage:
    """The usage without counting (zero in a window that has not seen a request)."""
    row = session.scalars(select(RateUsage).where(RateUsage.client_id == client_id)).first()
    short = daily = 0
    if row is not None:
        window = int(now // controls.rate_window_seconds * controls.rate_window_seconds)
        day = int(now // controls.rate_day_seconds * controls.rate_day_seconds)
        short = row.short_count if row.short_start == window else 0
        daily = row.day_count if row.day_start == day else 0
    return _usage(controls, short, daily)


def _usage(controls: Controls, short: int, daily: int) -> Usage:
    return Usage(
        short=short,
        daily=daily,
        limit_short=controls.rate_limit_15min,
        limit_daily=controls.rate_limit_daily,
        overall_short=controls.rate_limit_overall_15min,
        overall_daily=controls.rate_limit_overall_daily,
        window_seconds=controls.rate_window_seconds,
        day_seconds=controls.rate_day_seconds,
    )
