"""Who is logged in: the runner's id, admin flag and account creation time in Flask's
signed session cookie.

The cookie lives in the browser, so logging out on one device cannot void a copy on
another.  Each use is therefore checked against the account (through a per-process cache
of ``SESSION_CHECK_SECONDS``): a deleted or disabled account's sessions stop working, and
a session never reaches a *new* account that got the same id (SQLite reuses the highest
id after a deletion) because the creation time differs.
"""

from __future__ import annotations

import threading
import time

from flask import current_app, session

from runnerly_common.errors import APIError
from runnerly_web import csrf

SESSION_CHECK_SECONDS = 30
_USER = "user_id"
_ADMIN = "is_admin"
_SINCE = "since"
_CACHE = "runnerly_web.session_checks"
_lock = threading.Lock()


def log_in(user_id: int, is_admin: bool, created_at: str) -> None:
    # A fresh session: nothing from before the login (a planted CSRF token, an OAuth
    # state) carries over into the authenticated one.
    session.clear()
    session.permanent = True
    session[_USER] = user_id
    session[_ADMIN] = bool(is_admin)
    session[_SINCE] = created_at
    csrf.rotate()


def log_out() -> None:
    session.clear()
    csrf.rotate()


def forget_account(user_id: int) -> None:
    """This process stops trusting the sessions of a deleted account at once (others
    within SESSION_CHECK_SECONDS)."""
    checks: dict[tuple[int, str], float] = current_app.extensions.get(_CACHE, {})
    with _lock:
        for key in [k for k in checks if k[0] == user_id]:
            del checks[key]


def current_user_id() -> int | None:
    value = session.get(_USER)
    return value if isinstance(value, int) else None


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
        raise APIError(401, "not_authenticated", "log in first")
    key = (user_id, str(session.get(_SINCE)))
    checks: dict[tuple[int, str], float] = current_app.extensions.setdefault(_CACHE, {})
    now = time.monotonic()
    if checks.get(key, 0) > now:
        return user_id
    from runnerly_web.extensions import dataservice  # the client needs the app's settings

    response = dataservice().call("GET", f"/users/{user_id}", runner=user_id, allow=(403, 404))
    if response.status_code != 200 or not matches(response.json()):
        log_out()
        raise APIError(401, "not_authenticated", "this session has ended; log in again")
    with _lock:
        if len(checks) > 10_000:
            checks.clear()
        checks[key] = now + SESSION_CHECK_SECONDS
    return user_id
