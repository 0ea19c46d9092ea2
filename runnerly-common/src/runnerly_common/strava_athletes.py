"""The connected Strava athlete's name, kept in the :mod:`~runnerly_common.shared_store`
(docs/decisions.md, 59): written by runnerly-web from the code exchange's ``athlete`` object,
or by the worker from ``GET /athlete`` for a link made without the web app (the demo runner,
links from before names were kept); read by the Strava page.  The dataservice's link keeps
only the athlete's id: syncing needs nothing more, and no migration is needed."""

from __future__ import annotations

import json
from typing import Any

from runnerly_common.shared_store import SharedStore

KEEP_SECONDS = 400 * 86400  # written again at each connect


def _key(user_id: int) -> str:
    return f"strava-athlete:{user_id}"


def _text(value: Any, limit: int = 80) -> str | None:
    return (value.strip()[:limit] or None) if isinstance(value, str) else None


def remember(store: SharedStore, user_id: int, athlete: dict[str, Any]) -> None:
    """Keep what the Strava page shows of ``athlete`` (Strava's athlete object)."""
    profile = {
        name: _text(athlete.get(name)) for name in ("firstname", "lastname", "city", "country")
    }
    store.put(_key(user_id), json.dumps(profile).encode(), KEEP_SECONDS)


def known(store: SharedStore, user_id: int) -> dict[str, str | None] | None:
    raw = store.get(_key(user_id))
    return json.loads(raw) if raw else None


def forget(store: SharedStore, user_id: int) -> None:
    store.delete(_key(user_id))
