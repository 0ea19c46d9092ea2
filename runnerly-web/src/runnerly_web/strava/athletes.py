"""The connected Strava athlete as the Strava page names them: what the code exchange's
``athlete`` object said, kept in the shared store (docs/decisions.md, 59) at link time.

The dataservice's link keeps only the athlete's id (no column for a name, and none is
needed for syncing); a link made before names were kept, or a store that lost them, shows
the athlete's id and profile link until the runner connects again.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from runnerly_common.shared_store import SharedStore, StoreUnavailable

log = logging.getLogger(__name__)
PROFILE_URL = "https://www.strava.com/athletes/{}"
KEEP_SECONDS = 400 * 86400  # refreshed at each connect


def _key(user_id: int) -> str:
    return f"strava-athlete:{user_id}"


def _text(value: Any, limit: int = 80) -> str | None:
    return value.strip()[:limit] or None if isinstance(value, str) else None


def remember(store: SharedStore, user_id: int, athlete: dict[str, Any]) -> None:
    """Keep the name the token exchange gave; a store that fails costs only the name."""
    profile = {
        "firstname": _text(athlete.get("firstname")),
        "lastname": _text(athlete.get("lastname")),
        "city": _text(athlete.get("city")),
        "country": _text(athlete.get("country")),
    }
    try:
        store.put(_key(user_id), json.dumps(profile).encode(), KEEP_SECONDS)
    except StoreUnavailable as exc:
        log.warning("could not keep the Strava athlete's name of runner %s: %s", user_id, exc)


def forget(store: SharedStore, user_id: int) -> None:
    try:
        store.delete(_key(user_id))
    except StoreUnavailable as exc:
        log.warning("could not forget the Strava athlete of runner %s: %s", user_id, exc)


def shown(store: SharedStore, user_id: int, athlete_id: int) -> dict[str, Any]:
    """``{id, name, url, place}``: ``name`` and ``place`` are null when not known."""
    try:
        raw = store.get(_key(user_id))
    except StoreUnavailable:
        raw = None
    profile = json.loads(raw) if raw else {}
    name = " ".join(p for p in (profile.get("firstname"), profile.get("lastname")) if p)
    place = ", ".join(p for p in (profile.get("city"), profile.get("country")) if p)
    return {
        "id": athlete_id,
        "name": name or None,
        "place": place or None,
        "url": PROFILE_URL.format(athlete_id),
    }
