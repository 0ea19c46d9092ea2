"""Who is logged in: Flask's signed session cookie names a server-side session (its id,
the runner's id, admin flag, account creation time and when the session began), and the
session store (``session_store``) decides whether that session is still open.

The cookie lives in the browser, so a copy of it (another tab, a stolen one) would work as
long as the original; only the store can end it.  Every use is checked there, so logging
out, "log out everywhere", a password change or an administrator disabling the account end
every copy on every web process at the next request.  Sessions last ``SESSION_DAYS`` idle
and ``SESSION_MAX_DAYS`` at most, however often they are used.

Each use is also checked against the account, for changes made outside this app (the
operator's CLI, another admin client of the dataservice): a deleted or disabled account's
sessions stop working, and a session never reaches a *new* account that got the same id
(SQLite reuses the highest id after a deletion) because the creation time differs.  The
dataservice's answer is kept in the session store for ``account_check_seconds`` (300 by
default, a runner token's lifetime), shared by every web process, and any fresh read of the
account (the session's own ``GET /api/web/session``) renews it: a thousand runners coming
back every minute no longer cost the dataservice a call per request (decision 74).  What
this app changes itself (disabling, a password or email change, a deletion, logging out
everywhere) ends the sessions in the store at once, and forgets the check with them.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import redis
from flask import current_app, g, session

from runnerly_common.errors import APIError
from runnerly_web import csrf
from runnerly_web.session_store import SessionStore

_USER = "user_id"
_ADMIN = "is_admin"
_SINCE = "since"
_SID = "sid"
_STARTED = "started"
_CHECKED = "runnerly_web_session_user"  # on flask.g: this request's answer
_ENDED = "runnerly_web_session_ended"  # on flask.g: the cookie named an ended session


def _store() -> SessionStore:
    result: SessionStore = current_app.extensions["runnerly_web.sessions"]
    return result


@contextmanager
def _store_answers() -> Iterator[None]:
    """A store that does not answer is a 503, never a session let through."""
    try:
        yield
    except (redis.RedisError, sqlite3.Error) as exc:
        current_app.logger.error("session store unavailable: %s", exc)
        raise APIError(
            503,
            "service_unavailable",
            "sessions cannot be checked right now; try again shortly",
            headers={"Retry-After": "5"},
        ) from None


def log_in(user_id: int, is_admin: bool, created_at: str) -> None:
    # A fresh session: nothing from before the login (a planted CSRF token, an OAuth
    # state) carries over into the authenticated one.
    previous = session.get(_SID)
    session.clear()
    session.permanent = True
    started = int(time.time())
    with _store_answers():
        if isinstance(previous, str):
            _store().end(previous)  # a copy of the cookie from before never outlives it
        session[_SID] = _store().open(user_id, started)
    session[_STARTED] = started
    session[_USER] = user_id
    session[_ADMIN] = bool(is_admin)
    session[_SINCE] = created_at
    csrf.rotate()
    g.pop(_CHECKED, None)


def log_out() -> None:
    """This session ends: in the store (every copy of the cookie), then in this browser."""
    sid = session.get(_SID)
    if isinstance(sid, str):
        with _store_answers():
            _store().end(sid)
    _forget_here()


def _forget_here() -> None:
    session.clear()
    csrf.rotate()
    g.pop(_CHECKED, None)


def end_all_sessions(user_id: int) -> None:
    """Every session of the account ends, on every process, this request's included."""
    with _store_answers():
        _store().end_all(user_id)
    forget_account(user_id)
    if session.get(_USER) == user_id:
        _forget_here()


def forget_account(user_id: int) -> None:
    """Every process asks the dataservice about the account again at its next use."""
    with _store_answers():
        _store().forget_account(user_id)


def account_confirmed(user: dict[str, Any]) -> None:
    """``user`` was just read from the dataservice and is this session's account: the
    check every request makes is done for the next ``account_check_seconds``."""
    user_id = current_user_id()
    if user_id is None or not matches(user):
        return
    from runnerly_web.extensions import settings  # the settings need the app

    seconds = settings().account_check_seconds
    with _store_answers():
        _store().remember_account(user_id, str(session.get(_SINCE)), seconds)


def current_user_id() -> int | None:
    """The runner whose session this is, while the store keeps it open (asked once per
    request); a cookie naming an ended session is emptied."""
    if _CHECKED in g:
        result: int | None = g.get(_CHECKED)
        return result
    user_id, sid, started = session.get(_USER), session.get(_SID), session.get(_STARTED)
    alive = None
    if isinstance(user_id, int) and isinstance(sid, str) and isinstance(started, int):
        with _store_answers():
            if _store().check(sid, user_id, started):
                alive = user_id
    if alive is None and _USER in session:
        # Ended elsewhere, too old, or from before sessions were kept server-side.
        _forget_here()
        setattr(g, _ENDED, True)
    setattr(g, _CHECKED, alive)
    return alive


def matches(user: dict[str, object]) -> bool:
    """Whether the account ``user`` is the one this session was opened for."""
    return user.get("id") == current_user_id() and user.get("created_at") == session.get(_SINCE)


def is_admin() -> bool:
    return bool(session.get(_ADMIN))


def set_admin(flag: bool) -> None:
    if session.get(_ADMIN) != flag:
        session[_ADMIN] = flag


def require_user() -> int:
    """The logged-in runner's id, or 401; ends a session whose account is gone."""
    user_id = current_user_id()
    if user_id is None:
        if g.get(_ENDED):
            raise APIError(401, "not_authenticated", "this session has ended; log in again")
        raise APIError(401, "not_authenticated", "log in first")
    since = str(session.get(_SINCE))
    with _store_answers():
        if _store().account_checked(user_id, since):
            return user_id
    from runnerly_web.extensions import dataservice  # the client needs the app's settings

    try:
        response = dataservice().call("GET", f"/users/{user_id}", runner=user_id, allow=(403, 404))
    except APIError as exc:
        # The tokendealer refuses the runner (gone, disabled): the session ends here too.
        if exc.status == 401:
            log_out()
        raise
    user = response.json() if response.status_code == 200 else None
    if user is None or not matches(user):
        log_out()
        raise APIError(401, "not_authenticated", "this session has ended; log in again")
    account_confirmed(user)
    return user_id
