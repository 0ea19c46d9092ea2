"""The connected Strava athlete as the Strava page names them (the shared store's copy,
:mod:`runnerly_common.strava_athletes`; docs/decisions.md, 59).  A store that fails costs
only the name: the page shows the athlete's id and profile link."""

from __future__ import annotations

import logging
from typing import Any

from runnerly_common import strava_athletes
from runnerly_common.shared_store import SharedStore, StoreUnavailable

log = logging.getLogger(__name__)
PROFILE_URL = "https://www.strava.com/athletes/{}"


def remember(store: SharedStore, user_id: int, athlete: dict[str, Any]) -> None:
    """Keep the name the token exchange gave."""
    try:
        strava_athletes.remember(store, user_id, athlete)
    except StoreUnavailable as exc:
        log.warning("could not keep the Strava athlete's name of runner %s: %s", user_id, exc)


def forget(store: SharedStore, user_id: int) -> None:
    try:
        strava_athletes.forget(store, user_id)
    except StoreUnavailable as exc:
        log.warning("could not forget the Strava athlete of runner %s: %s", user_id, exc)


def shown(store: SharedStore, user_id: int, athlete_id: int) -> dict[str, Any]:
    """``{id, name, url, place}``: ``name`` and ``place`` are null when not known."""
    try:
        profile = strava_athletes.known(store, user_id) or {}
    except StoreUnavailable:
        profile = {}
    name = " ".join(p for p in (profile.get("firstname"), profile.get("lastname")) if p)
    place = ", ".join(p for p in (profile.get("city"), profile.get("country")) if p)
    return {
        "id": athlete_id,
        "name": name or None,
        "place": place or None,
        "url": PROFILE_URL.format(athlete_id),
    }
