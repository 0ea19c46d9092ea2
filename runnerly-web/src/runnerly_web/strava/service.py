"""The runner's Strava link as the browser sees it: state and progress, never tokens."""

from __future__ import annotations

from typing import Any

from runnerly_web.extensions import strava_oauth

STATUS_FIELDS = (
    "athlete_id",
    "scopes",
    "sync_state",
    "pages_done",
    "runs_imported",
    "last_sync_at",
)


def strava_status(user_id: int) -> dict[str, Any]:
    link = strava_oauth().link_of(user_id)
    if link is None:
        return {"connected": False}
    return {
        "connected": True,
        **{k: link.get(k) for k in STATUS_FIELDS},
        "error": link.get("sync_error"),
    }
