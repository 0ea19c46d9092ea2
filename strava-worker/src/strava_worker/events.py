"""Strava webhook events: one activity created, changed or deleted, or access revoked.

An event names the athlete (``owner_id``); the dataservice maps it to a runner.  An
update re-fetches the activity rather than trusting ``updates`` (which carries only a few
fields), and an activity that is no longer a run is deleted from Runnerly.
"""

from __future__ import annotations

from typing import Any

from strava_worker import mapping
from strava_worker.runtime import Runtime
from strava_worker.strava import NotFound
from strava_worker.tokens import deauthorize, with_token


def handle_event(rt: Runtime, event: dict[str, Any]) -> str:
    """Apply one event; returns what was done (for the log and tests)."""
    owner = rt.dataservice.link_of_athlete(int(event["owner_id"]))
    if owner is None:
        return "unknown athlete"
    user_id = int(owner["user_id"])
    if event.get("object_type") == "athlete":
        if str((event.get("updates") or {}).get("authorized", "")).lower() == "false":
            with rt.runner_lock(user_id):
                deauthorize(rt, user_id, "athlete revoked access on Strava")
            return "deauthorized"
        return "ignored"
    if event.get("object_type") != "activity":
        return "ignored"
    activity_id = int(event["object_id"])
    with rt.runner_lock(user_id):
        if event.get("aspect_type") == "delete":
            rt.dataservice.upsert_runs(user_id, [], [mapping.deletion(activity_id)])
            return "deleted"
        link = rt.dataservice.link(user_id)
        try:
            activity = with_token(
                rt, user_id, link, lambda token: rt.strava.get_activity(token, activity_id)
            )
        except NotFound:
            activity = None
        if activity is None or not mapping.is_run(activity):
            rt.dataservice.upsert_runs(user_id, [], [mapping.deletion(activity_id)])
            return "deleted"
        counts = rt.dataservice.upsert_runs(user_id, [mapping.to_run(activity)])
        return "created" if counts["created"] else "updated"
