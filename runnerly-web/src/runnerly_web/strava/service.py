"""The runner's Strava link as the browser sees it: state and progress, never tokens; and
on the Sync page the activities that could not be imported, with why."""

from __future__ import annotations

from typing import Any

from runnerly_web.extensions import dataservice, shared_store, strava_oauth
from runnerly_web.strava import athletes

STATUS_FIELDS = (
    "athlete_id",
    "scopes",
    "sync_state",
    "pages_done",
    "runs_imported",
    "last_sync_at",
)
# The Sync page shows the newest few; the total says how many more there are.
SET_ASIDE_SHOWN = 20
ACTIVITY_URL = "https://www.strava.com/activities/{}"


def strava_status(user_id: int, *, set_aside: bool = False) -> dict[str, Any]:
    """``set_aside`` adds the activities set aside (the Sync page's status; the session's
    copy of the status leaves them out: every page load reads the session)."""
    link = strava_oauth().link_of(user_id)
    if link is None:
        return {"connected": False}
    status = {
        "connected": True,
        **{k: link.get(k) for k in STATUS_FIELDS},
        "error": link.get("sync_error"),
    }
    if set_aside:
        status["athlete"] = athletes.shown(shared_store(), user_id, int(link["athlete_id"]))
        status["set_aside"] = set_aside_of(user_id)
        status["streams"] = link.get("streams")
    return status


def set_aside_of(user_id: int) -> dict[str, Any]:
    """The newest activities not imported, read with the runner's own token."""
    page = dataservice().json(
        "GET",
        f"/users/{user_id}/set-aside",
        runner=user_id,
        params={"per_page": SET_ASIDE_SHOWN},
    )
    return {"items": [_shown(item) for item in page["items"]], "total": page["total"]}


def _shown(item: dict[str, Any]) -> dict[str, Any]:
    url = ACTIVITY_URL.format(item["external_id"]) if item["source"] == "strava" else None
    return {
        "source": item["source"],
        "external_id": item["external_id"],
        "title": item.get("title"),
        "start_time": item.get("start_time"),
        "reason": item["reason"],
        "seen_at": item["seen_at"],
        "url": url,
    }
