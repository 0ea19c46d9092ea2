"""Strava tokens: refresh before they expire, store the new pair before using it.

Strava may rotate the refresh token and invalidate the old one at once, so a pair that
was used but not stored would lock the runner out: the dataservice write comes first.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from strava_worker.runtime import Runtime
from strava_worker.strava import OAuthRefused, Unauthorized

T = TypeVar("T")


class Deauthorized(Exception):
    """The athlete revoked access: the link is gone (runs are kept)."""


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat()


def epoch(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def access_token(rt: Runtime, user_id: int, link: dict[str, Any], *, force: bool = False) -> str:
    """A token valid for at least ``refresh_margin`` seconds; ``link`` is updated in place."""
    if not force and epoch(link["expires_at"]) - time.time() > rt.settings.refresh_margin:
        return link["access_token"]
    try:
        pair = rt.strava.refresh(link["refresh_token"])
    except OAuthRefused as exc:
        deauthorize(rt, user_id, f"token refresh refused: {exc}")
        raise Deauthorized(str(exc)) from exc
    fields = {
        "access_token": pair["access_token"],
        "refresh_token": pair["refresh_token"],
        "expires_at": iso(pair["expires_at"]),
    }
    rt.dataservice.update_link(user_id, **fields)
    link.update(fields)
    return link["access_token"]


def with_token(rt: Runtime, user_id: int, link: dict[str, Any], call: Callable[[str], T]) -> T:
    """``call(token)``; on a 401 refresh once and try again; a second 401 unlinks."""
    try:
        return call(access_token(rt, user_id, link))
    except Unauthorized:
        pass
    try:
        return call(access_token(rt, user_id, link, force=True))
    except Unauthorized as exc:
        deauthorize(rt, user_id, "Strava refused a fresh token (401)")
        raise Deauthorized(str(exc)) from exc


def deauthorize(rt: Runtime, user_id: int, reason: str) -> None:
    """Record why, then delete the link; the runner's runs stay."""
    rt.dataservice.update_link(user_id, sync_state="deauthorized", sync_error=reason[:500])
    rt.dataservice.unlink(user_id)
