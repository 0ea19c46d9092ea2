"""Wipe the simulator and fill it from the settings' seed, with bulk inserts."""

from __future__ import annotations

from datetime import UTC, date, datetime
from itertools import islice

from sqlalchemy import delete, insert
from sqlalchemy.orm import Session

from strava_sim.models import (
    AccessToken,
    Activity,
    Athlete,
    AuthCode,
    Authorization,
    Gear,
    RateUsage,
    Subscription,
)
from strava_sim.seed.generator import activity_rows, athlete_row, gear_rows
from strava_sim.settings import SimSettings

BATCH = 5000


def anchor_of(settings: SimSettings) -> date:
    """The UTC day the generated history ends at (today unless pinned by ANCHOR_DATE)."""
    if settings.anchor_date:
        return date.fromisoformat(settings.anchor_date)
    return datetime.now(UTC).date()


def seed(session: Session, settings: SimSettings) -> int:
    """Replace every athlete, activity, token, subscription and usage count; returns the
    number of activities.  Runtime switches are reset by the caller."""
    for model in (
        AccessToken,
        AuthCode,
        Authorization,
        Activity,
        Gear,
        Athlete,
        RateUsage,
        Subscription,
    ):
        session.execute(delete(model))
    anchor = anchor_of(settings)
    ids = range(1, settings.athletes + 1)
    session.execute(insert(Athlete), [athlete_row(settings.seed, i, anchor) for i in ids])
    session.execute(insert(Gear), [row for i in ids for row in gear_rows(i)])
    total = 0
    for athlete_id in ids:
        rows = activity_rows(
            settings.seed,
            athlete_id,
            years=settings.years,
            per_year=settings.activities_per_year,
            anchor=anchor,
        )
        while batch := list(islice(rows, BATCH)):
            session.execute(insert(Activity), batch)
            total += len(batch)
    if settings.demo_refresh_token:
        session.add(
            Authorization(
                athlete_id=1,
                client_id=settings.client_id,
                scope="read,activity:read_all",
                refresh_token=settings.demo_refresh_token,
            )
        )
    return total
