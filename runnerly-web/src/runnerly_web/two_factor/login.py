"""The login's second step: a right password for an account with two-factor sign-in opens
a pending login (``pending``) instead of a session; the code or a recovery code, sent from
the same browser within five minutes, completes it."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import redis
from flask import current_app, session

from runnerly_common.errors import APIError
from runnerly_web import devices, web_session
from runnerly_web.extensions import dataservice, settings
from runnerly_web.two_factor.checks import second_factor, throttled, wrong_factor
from runnerly_web.two_factor.pending import PENDING_SECONDS, PendingLogins, make_pending_logins

_STORE = "runnerly_web.two_factor_pending"
_COOKIE_KEY = "two_factor_pending"  # in the signed session cookie: this browser's pending id


def _pending_logins() -> PendingLogins:
    """Made on first use, in the sessions' store (Redis, else the SQLite file)."""
    found: PendingLogins | None = current_app.extensions.get(_STORE)
    if found is None:
        s = settings()
        made = make_pending_logins(s.redis_url, s.throttle_db)
        found = current_app.extensions.setdefault(_STORE, made)
    assert found is not None
    return found


@contextmanager
def _store_answers() -> Iterator[None]:
    try:
        yield
    except (redis.RedisError, sqlite3.Error) as exc:
        current_app.logger.error("pending-login store unavailable: %s", exc)
        raise APIError(503, "service_unavailable", "logins are paused; try again shortly") from None


def second_factor_needed(user: dict[str, Any]) -> bool:
    """After a right password: when the account has two-factor sign-in, a pending login for
    this browser (replacing any earlier one) and True; no session is opened."""
    status = dataservice().json("GET", f"/users/{user['id']}/two-factor")
    if not status["enabled"]:
        return False
    with _store_answers():
        previous = session.get(_COOKIE_KEY)
        if isinstance(previous, str):
            _pending_logins().take(previous)
        session[_COOKIE_KEY] = _pending_logins().open(user["id"])
    return True


def _expired() -> APIError:
    minutes = PENDING_SECONDS // 60
    return APIError(
        401,
        "two_factor_expired",
        f"this sign-in has expired (it lasts {minutes} minutes); "
        "enter your email and password again",
    )


def complete(body: dict[str, Any]) -> dict[str, Any]:
    """The pending login's code: right, the session opens (as a password-only login's);
    wrong, 401 and one failure counted; too many, 429."""
    factor = second_factor(body)
    pending_id = session.get(_COOKIE_KEY)
    if not isinstance(pending_id, str):
        raise _expired()
    with _store_answers():
        user_id = _pending_logins().runner(pending_id)
    if user_id is None:
        session.pop(_COOKIE_KEY, None)
        raise _expired()
    ds = dataservice()
    found = ds.call("GET", f"/users/{user_id}", allow=(404,))
    if found.status_code == 404:
        session.pop(_COOKIE_KEY, None)
        raise _expired()
    user: dict[str, Any] = found.json()
    with throttled(user["email"]) as (limiter, address, device):
        answer = ds.json("POST", f"/users/{user_id}/two-factor/verify", json=factor)
        if not answer["valid"]:
            limiter.failed(user["email"], address, device)
            raise wrong_factor(factor)
        limiter.succeeded(user["email"], device)
    with _store_answers():
        _pending_logins().take(pending_id)
    web_session.log_in(user["id"], user["is_admin"], user["created_at"])  # clears the cookie
    devices.remember(user["email"])
    return user
