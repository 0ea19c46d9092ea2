"""Strava tokens: refresh before they expire, store the new pair before using it.

Strava may rotate the refresh token and invalidate the old one at once, so a pair that
was used but not stored would lock the runner out: the dataservice write comes first.

A refresh has three outcomes, and only one of them is Strava's word:

- a pair: stored, then used;
- no usable answer (a timeout, a 5xx, a proxy's HTML page): *unknown*, Strava may or may
  not have rotated the token.  The access token in hand is used while it is still valid
  (the refresh was only early); otherwise the task retries later.  Nothing is unlinked;
- refused (400 naming the refresh token): first the link is read again, in case the runner
  connected again or another refresh stored a newer pair meanwhile; if not, the link is
  marked ``reconnect``: kept, with its runs, cursor and progress, until the runner connects
  Strava again.  A refresh answer lost on the way ends here too: nothing else can mend it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from strava_worker.runtime import Runtime
from strava_worker.strava import OAuthRefused, ServerError, Unauthorized

T = TypeVar("T")
log = logging.getLogger(__name__)
# An access token this close to its expiry is not used after an unanswered refresh.
STILL_VALID = 60


class Deauthorized(Exception):
    """Strava refused the runner's tokens: the link is marked ``reconnect`` (runs kept)."""


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat()


def epoch(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def access_token(rt: Runtime, user_id: int, link: dict[str, Any], *, force: bool = False) -> str:
    """A token valid for at least ``refresh_margin`` seconds; ``link`` is updated in place."""
    left = epoch(link["expires_at"]) - time.time()
    if not force and left > rt.settings.refresh_margin:
        current: str = link["access_token"]
        return current
    try:
        pair = _refresh(rt, user_id, link)
    except ServerError as exc:
        if force or left <= STILL_VALID:
            raise
        log.warning("runner %s: refresh unanswered (%s); the current token is used", user_id, exc)
        still_valid: str = link["access_token"]
        return still_valid
    fields = {
        "access_token": pair["access_token"],
        "refresh_token": pair["refresh_token"],
        "expires_at": iso(pair["expires_at"]),
    }
    rt.dataservice.update_link(user_id, **fields)
    link.update(fields)
    refreshed: str = link["access_token"]
    return refreshed


def _refresh(rt: Runtime, user_id: int, link: dict[str, Any]) -> dict[str, Any]:
    try:
        return rt.strava.refresh(link["refresh_token"])
    except OAuthRefused as exc:
        refused = exc
    stored = rt.dataservice.link(user_id)
    if stored["refresh_token"] != link["refresh_token"]:
        # Connected again, or refreshed by another task, since this one read the link.
        link.update({k: stored[k] for k in ("access_token", "refresh_token", "expires_at")})
        try:
            return rt.strava.refresh(link["refresh_token"])
        except OAuthRefused as exc:
            refused = exc
    needs_reconnect(rt, user_id, f"Strava refused the refresh token: {refused}")
    raise Deauthorized(str(refused)) from refused


def with_token(rt: Runtime, user_id: int, link: dict[str, Any], call: Callable[[str], T]) -> T:
    """``call(token)``; on a 401 refresh once and try again; a second 401 asks the runner
    to connect again."""
    try:
        return call(access_token(rt, user_id, link))
    except Unauthorized:
        pass
    try:
        return call(access_token(rt, user_id, link, force=True))
    except Unauthorized as exc:
        needs_reconnect(rt, user_id, "Strava refused a freshly refreshed token (401)")
        raise Deauthorized(str(exc)) from exc


def needs_reconnect(rt: Runtime, user_id: int, reason: str) -> None:
    """Keep the link (runs, cursor, progress) but stop syncing until the runner connects
    Strava again, which stores a new pair and sets the link back to ``pending``."""
    log.warning("runner %s must connect Strava again: %s", user_id, reason)
    rt.dataservice.update_link(user_id, sync_state="reconnect", sync_error=reason[:500])


def deauthorize(rt: Runtime, user_id: int, reason: str) -> None:
    """The athlete revoked access (a deauthorization event Strava confirmed by refusing the
    tokens): record why, then delete the link; the runner's runs stay."""
    rt.dataservice.update_link(user_id, sync_state="deauthorized", sync_error=reason[:500])
    rt.dataservice.unlink(user_id)
