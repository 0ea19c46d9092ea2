"""Strava webhook events: hints, never orders.

Strava does not sign events and athlete and activity ids are public, so anyone can POST
one.  An event is therefore only noted (:func:`note`) as a hint for its athlete, and one
drain per athlete (:func:`drain`, at most every ``EVENT_INTERVAL`` seconds) asks Strava,
with the athlete's own token, what is true now:

- an activity Strava shows to the athlete's token is stored (a non-run is deleted);
- an activity Strava no longer shows (404: deleted, or private without
  ``activity:read_all``) is deleted from Runnerly;
- a deauthorization unlinks only if Strava refuses the access token *and* the refresh
  (:func:`strava_worker.tokens.with_token`); a call that works proves it forged or stale.

Each drain makes one Strava request, whatever the number of events: one activity (one
hint), the athlete's newest page (several: what it does not show is fetched one per later
drain), or the athlete (only a deauthorization to confirm).  Its requests come from
:attr:`Runtime.event_strava`, which may spend only ``EVENT_BUDGET_PERCENT`` of each window.
"""

from __future__ import annotations

import logging
from typing import Any

from strava_worker import batches, mapping
from strava_worker.dataservice import DataserviceRefused, NotLinked
from strava_worker.hints import Hints
from strava_worker.runtime import Runtime
from strava_worker.strava import NotFound, Refused
from strava_worker.tokens import Deauthorized, deauthorize, with_token

log = logging.getLogger(__name__)
IDLE = "idle"  # nothing waited: the drain's claim is released, no next drain


def hint_of(event: dict[str, Any]) -> tuple[int, int | None] | None:
    """(athlete, activity id or None for a deauthorization), or None: nothing to check."""
    owner = int(event["owner_id"])
    if event["object_type"] == "activity":
        return owner, int(event["object_id"])
    if str((event.get("updates") or {}).get("authorized", "")).lower() == "false":
        return owner, None
    return None  # other athlete updates: nothing Runnerly keeps


def claim_seconds(rt: Runtime) -> int:
    """How long an athlete's drain claim lives: longer than any wait between two drains of
    one chain (a budget wait or a retry's backoff, at most half the visibility timeout), so
    it cannot lapse while the chain is alive and let an event start a second chain."""
    return rt.settings.visibility_timeout // 2 + rt.settings.event_interval + 60


def note(rt: Runtime, event: dict[str, Any], event_time: float) -> tuple[str, int | None]:
    """Keep the event's hint; returns (outcome, the athlete whose drain is to be sent)."""
    hint = hint_of(event)
    if hint is None:
        return "ignored", None
    athlete, activity_id = hint
    claimed = rt.store.add_hint(athlete, activity_id, event_time, claim_seconds(rt))
    return ("noted", athlete) if claimed else ("noted", None)


def drain(rt: Runtime, athlete: int) -> dict[str, Any]:
    """Check what the athlete's hints point at, with one Strava request."""
    if not rt.store.keep_claim(athlete, claim_seconds(rt)):
        return {"status": IDLE}
    hints = rt.store.peek_hints(athlete)
    owner = rt.dataservice.link_of_athlete(athlete)
    if owner is None:
        rt.store.clear_hints(athlete)
        return {"status": "unknown athlete"}
    user_id = int(owner["user_id"])
    try:
        with rt.runner_lock(user_id):
            link = rt.dataservice.link(user_id)
            try:
                status, done, recheck = _check(rt, user_id, link, hints)
            except Refused as exc:  # asking again gets the same answer: the hints go
                log.warning("runner %s: Strava refused the check: %s", user_id, exc)
                status, done, recheck = "refused", hints, {}
    except Deauthorized:
        # Strava refused the tokens.  With a deauthorization event waiting, that confirms
        # the athlete revoked access: the link goes.  Otherwise it waits for the runner to
        # connect again (marked by :mod:`strava_worker.tokens`).
        rt.store.clear_hints(athlete)
        if hints.deauth is not None:
            deauthorize(rt, user_id, "access revoked on Strava (confirmed)")
        raise
    except (NotLinked, DataserviceRefused):
        # Unlinked meanwhile, or a read the dataservice will refuse again: nothing left.
        rt.store.clear_hints(athlete)
        raise
    rt.store.settle_hints(athlete, done, recheck)
    result: dict[str, Any] = {"status": status}
    if done.oldest() is not None:
        result["event_time"] = done.oldest()  # for the event lag metric
    return result


def _check(
    rt: Runtime, user_id: int, link: dict[str, Any], hints: Hints
) -> tuple[str, Hints, dict[int, float]]:
    """One Strava request; returns (outcome, the hints handled, ids to fetch on their own)."""
    strava = rt.event_strava

    def call(request: Any) -> Any:  # a refused token and refresh raise Deauthorized
        return with_token(rt, user_id, link, request)

    if len(hints.fresh) > 1:
        page = call(lambda token: strava.list_activities(token, per_page=rt.settings.per_page))
        shown = {int(a["id"]): a for a in page}
        found = [shown[i] for i in hints.fresh if i in shown]
        # Not on the newest page: older activities, deleted ones, or forged ids.
        recheck = {i: t for i, t in hints.fresh.items() if i not in shown}
        done = Hints(hints.fresh, {}, hints.deauth)
        return _apply(rt, user_id, found, []), done, recheck
    if hints.fresh or hints.check:
        kind, waiting = ("fresh", hints.fresh) if hints.fresh else ("check", hints.check)
        activity_id = min(waiting)
        try:
            activity = call(lambda token: strava.get_activity(token, activity_id))
        except NotFound:  # deleted, or private to a token without activity:read_all
            activity = None
        except Refused as exc:  # asking again gets the same answer: the hint is dropped
            log.warning("runner %s: activity %s refused by Strava: %s", user_id, activity_id, exc)
            one = {activity_id: waiting[activity_id]}
            return (
                "refused",
                Hints(one if kind == "fresh" else {}, one if kind == "check" else {}, None),
                {},
            )
        one = {activity_id: waiting[activity_id]}
        done = Hints(one if kind == "fresh" else {}, one if kind == "check" else {}, hints.deauth)
        gone = [] if activity else [activity_id]
        return _apply(rt, user_id, [activity] if activity else [], gone), done, {}
    # Only a deauthorization: a call that works proves the athlete's tokens still do.
    call(strava.get_athlete)
    log.warning("deauthorization event for runner %s not confirmed by Strava", user_id)
    return "not revoked", Hints({}, {}, hints.deauth), {}


def _apply(rt: Runtime, user_id: int, activities: list[dict[str, Any]], gone: list[int]) -> str:
    """Store what Strava shows, delete what it does not (or what is no longer a run)."""
    page = mapping.sort_page(activities)
    page.deleted.extend(mapping.deletion(i) for i in gone)
    if not (page.runs or page.deleted or page.set_aside):
        return "checked"
    counts = batches.store(rt, user_id, page)
    if counts["deleted"]:
        return "deleted"
    if counts["created"]:
        return "created"
    if counts["updated"]:
        return "updated"
    return "set aside" if counts["set_aside"] else "unchanged"
