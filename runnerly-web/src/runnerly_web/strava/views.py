"""Connecting Strava: ``/strava/connect`` and ``/strava/callback`` (browser redirects, not
JSON), and the API's status and disconnect operations."""

from __future__ import annotations

import hmac
import logging
import math
import secrets
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, redirect, request, session, url_for
from werkzeug.wrappers import Response as BaseResponse

from runnerly_common.errors import APIError
from runnerly_common.openapi import OpenAPIBlueprint
from runnerly_web import web_session
from runnerly_web.extensions import settings, shared_store, strava_oauth, sync_queue
from runnerly_web.strava import athletes
from runnerly_web.strava.oauth import ACTIVITY_SCOPES, StravaError, missing_scope
from runnerly_web.strava.service import strava_status

log = logging.getLogger(__name__)
_STATE = "strava_state"
# States a sync ends in; "Sync now" from one of them marks the link "syncing".
SETTLED = ("idle", "error")


def _back(outcome: str, **extra: str) -> BaseResponse:
    """To the dashboard, which explains ``strava=<outcome>`` to the runner."""
    return redirect("/?" + urlencode({"strava": outcome, **extra}, safe=",:"), code=302)


def _callback_url() -> str:
    base = settings().public_url.rstrip("/")
    return f"{base}/strava/callback" if base else url_for("strava.callback", _external=True)


def _cooldown_left(last_sync_at: str | None, cooldown: int) -> int:
    """Whole seconds until "Sync now" may queue another sync (0: now)."""
    if not last_sync_at or cooldown <= 0:
        return 0
    last = datetime.fromisoformat(last_sync_at.replace("Z", "+00:00"))
    return max(0, math.ceil(cooldown - (datetime.now(UTC) - last).total_seconds()))


def _already_linked(user_id: int, grant: dict[str, Any], granted: str) -> BaseResponse:
    """The athlete belongs to another runner: refuse, after keeping that runner's link
    working with the tokens the exchange just rotated (StravaOAuth.keep_owner_working)."""
    try:
        owner = strava_oauth().keep_owner_working(grant, granted)
    except APIError as exc:
        # The owner's next refresh will fail and the worker will say so on their page.
        log.error(
            "keeping the Strava link of athlete %s working failed: %s",
            (grant.get("athlete") or {}).get("id"),
            exc.message,
        )
        owner = None
    log.warning(
        "runner %s connected Strava athlete %s, linked to runner %s: refused",
        user_id,
        grant["athlete"]["id"],
        owner,
    )
    return _back("already_linked")


def make_blueprint() -> Blueprint:
    bp = Blueprint("strava", __name__, url_prefix="/strava")

    @bp.get("/connect")
    def connect() -> BaseResponse:
        if web_session.current_user_id() is None:
            return _back("login_required")
        state = secrets.token_urlsafe(24)
        session[_STATE] = state
        return redirect(strava_oauth().authorize_url(_callback_url(), state), code=302)

    @bp.get("/callback")
    def callback() -> BaseResponse:
        user_id = web_session.current_user_id()
        expected = session.pop(_STATE, None)
        sent = request.args.get("state", "")
        if user_id is None:
            return _back("login_required")
        # One use per state: a replayed or forged callback finds nothing to match.
        if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
            return _back("bad_state")
        if request.args.get("error"):
            # Strava's only documented error here is access_denied (the runner cancelled).
            return _back("access_denied")
        granted = request.args.get("scope", "")
        code = request.args.get("code", "")
        if missing_scope(granted):
            return _back("missing_scope", granted=granted, needed=" or ".join(ACTIVITY_SCOPES))
        if not code:
            return _back("exchange_failed")
        oauth = strava_oauth()
        try:
            grant = oauth.exchange(code)
        except StravaError as exc:
            log.warning("Strava code exchange for runner %s failed: %s", user_id, exc)
            return _back("exchange_failed")
        try:
            oauth.link(user_id, grant, granted)
        except APIError as exc:
            log.warning("storing the Strava link of runner %s failed: %s", user_id, exc.message)
            if exc.status != 409:
                return _back("link_failed")
            return _already_linked(user_id, grant, granted)
        athletes.remember(shared_store(), user_id, grant["athlete"])
        queued = sync_queue().enqueue_sync(user_id)
        return _back("connected", sync="started" if queued else "scheduled")

    return bp


def bind(api: OpenAPIBlueprint) -> None:
    @api.operation("getStravaStatus")
    def get_status() -> dict[str, Any]:
        return strava_status(web_session.require_user(), set_aside=True)

    @api.operation("syncStrava")
    def sync_now() -> tuple[dict[str, str], int]:
        user_id = web_session.require_user()
        link = strava_oauth().link_of(user_id)
        if link is None:
            raise APIError(404, "not_connected", "Strava is not connected")
        if link.get("sync_state") == "deauthorized":
            raise APIError(409, "deauthorized", "Strava access was revoked: connect again")
        if link.get("sync_state") == "reconnect":
            raise APIError(
                409,
                "reconnect_needed",
                "Strava no longer accepts Runnerly's access: connect Strava again to go on "
                "importing (your runs and the import's progress are kept)",
            )
        wait = _cooldown_left(link.get("last_sync_at"), settings().sync_cooldown_seconds)
        if wait > 0:
            raise APIError(
                429,
                "sync_too_soon",
                f"Your runs were synced moments ago; Sync now is available again in {wait} s",
                headers={"Retry-After": str(wait)},
            )
        if not sync_queue().enqueue_sync(user_id):
            raise APIError(
                503,
                "sync_unavailable",
                "The sync queue cannot be reached; the next scheduled round will sync",
            )
        if link.get("sync_state") in SETTLED:
            # The sync is queued: say so where the page reads the state, so it follows the
            # sync until the worker records its end ("idle" and the new last_sync_at).
            # Without it the page saw "idle" at once, stopped asking, and showed the old
            # "Last import" until reloaded.  A lost task is corrected by beat's next round.
            strava_oauth().dataservice.call(
                "PATCH", f"/users/{user_id}/strava", json={"sync_state": "syncing"}
            )
        return {"status": "queued"}, 202

    @api.operation("disconnectStrava")
    def disconnect() -> Response:
        user_id = web_session.require_user()
        if not strava_oauth().forget(user_id):
            raise APIError(404, "not_connected", "Strava is not connected")
        athletes.forget(shared_store(), user_id)
        return Response(status=204)
