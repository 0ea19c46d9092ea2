"""Build Strava's event objects and hand them to the dispatcher for each subscription.

Like Strava, an application hears about an athlete only while that athlete has
authorized it; the deauthorization event itself is the exception (it is sent after the
grant is gone).  With the admin's ``drop_events`` switch on, events are lost as they are
when a callback stays down past Strava's three tries: nothing is delivered.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from strava_sim import controls
from strava_sim.models import Authorization, Subscription
from strava_sim.service import Simulator


def activity_event(
    simulator: Simulator,
    session: Session,
    *,
    aspect: str,
    activity_id: int,
    owner_id: int,
    updates: dict[str, str] | None = None,
) -> int:
    """Send a create/update/delete event for an activity; returns how many were queued."""
    if controls.current(session).drop_events:
        return 0
    authorized = select(Authorization.client_id).where(Authorization.athlete_id == owner_id)
    subscriptions = session.scalars(
        select(Subscription).where(Subscription.client_id.in_(authorized))
    ).all()
    return _send(simulator, subscriptions, "activity", activity_id, aspect, owner_id, updates)


def deauthorization_event(
    simulator: Simulator, session: Session, *, athlete_id: int, client_id: int
) -> int:
    if controls.current(session).drop_events:
        return 0
    subscriptions = session.scalars(
        select(Subscription).where(Subscription.client_id == client_id)
    ).all()
    updates = {"authorized": "false"}
    return _send(simulator, subscriptions, "athlete", athlete_id, "update", athlete_id, updates)


def _send(
    simulator: Simulator,
    subscriptions: Any,
    object_type: str,
    object_id: int,
    aspect: str,
    owner_id: int,
    updates: dict[str, str] | None,
) -> int:
    for subscription in subscriptions:
        simulator.dispatcher.send(
            subscription.callback_url,
            {
                "aspect_type": aspect,
                "event_time": simulator.now(),
                "object_id": object_id,
                "object_type": object_type,
                "owner_id": owner_id,
                "subscription_id": subscription.id,
                "updates": updates or {},
            },
        )
    return len(subscriptions)
