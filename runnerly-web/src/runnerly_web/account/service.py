"""Sign-up, login, profile, password change and deletion, on top of the dataservice."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any
from zoneinfo import available_timezones

import redis
from flask import request

from runnerly_common.errors import APIError
from runnerly_web import devices, web_session
from runnerly_web.extensions import dataservice, strava_oauth, throttle
from runnerly_web.passwords import password_problem
from runnerly_web.throttle import LoginThrottle

log = logging.getLogger(__name__)
PUBLIC_USER_FIELDS = (
    "id",
    "email",
    "first_name",
    "last_name",
    "age",
    "weight",
    "max_hr",
    "rest_hr",
    "vo2max",
    "threshold_pace",
    "units",
    "timezone",
    "is_admin",
    "disabled",
    "created_at",
)


def public_user(user: dict[str, Any]) -> dict[str, Any]:
    return {k: user[k] for k in PUBLIC_USER_FIELDS if k in user}


def field_error(status: int, code: str, field: str, message: str) -> APIError:
    return APIError(
        status, code, f"{field}: {message}", errors=[{"field": field, "message": message}]
    )


def sign_up(data: dict[str, Any]) -> dict[str, Any]:
    if data.get("timezone") is not None and not known_zone(data["timezone"]):
        # The browser's zone, sent unseen by the runner: one this server does not know
        # must not stop the sign-up.  UTC until the runner picks theirs in the profile.
        data = {k: v for k, v in data.items() if k != "timezone"}
    names = [data.get("first_name", ""), data.get("last_name", "")]
    problem = password_problem(data["password"], data["email"], names)
    if problem:
        raise field_error(422, "weak_password", "body.password", problem)
    # A taken email is the dataservice's 409 naming body.email (its unique index decides,
    # so two sign-ups racing for one address cannot both win).
    try:
        user = dataservice().json("POST", "/users", json=data)
    except APIError as exc:
        if exc.status != 409:
            raise
        raise field_error(409, "email_taken", "body.email", "is already registered") from None
    web_session.log_in(user["id"], user["is_admin"], user["created_at"])
    devices.remember(user["email"])
    result: dict[str, Any] = user
    return result


def known_zone(name: str) -> bool:
    return name in _zone_names()


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones()) | {"UTC"}


def client_address() -> str:
    return request.remote_addr or "unknown"


def checked_password(email: str, password: str, wrong: APIError) -> dict[str, Any]:
    """The account when ``password`` is its password, else ``wrong``.  Every check counts
    in the login throttle, whichever form asked (login, deletion, password change), so a
    session cannot be used to guess the password without limit."""
    with throttled(throttle(), email, "passwords", "password checks") as (limiter, address, device):
        answer = dataservice().json(
            "POST", "/auth/password-check", json={"email": email, "password": password}
        )
        if not answer["valid"]:
            limiter.failed(email, address, device)
            raise wrong
        limiter.succeeded(email, device)
    result: dict[str, Any] = answer["user"]
    return result


@contextmanager
def throttled(
    limiter: LoginThrottle, email: str, what: str, checks: str
) -> Iterator[tuple[LoginThrottle, str, str | None]]:
    """Refuses (429) once too many ``what`` failed for ``email`` from this browser; yields
    the throttle, the client's address and its known device, for the caller to count the
    outcome.  A store that does not answer pauses the ``checks`` (503): without counting
    they could be tried without limit."""
    address = client_address()
    device = devices.known_device(email)
    try:
        # The check counts from now until its outcome is known, so that checks sent at
        # once cannot all pass on the count from before any of them failed.
        wait = limiter.begin(email, address, device)
        if wait:
            raise APIError(
                429,
                "too_many_attempts",
                f"too many wrong {what}; try again in {wait} s",
                headers={"Retry-After": str(wait)},
            )
        try:
            yield limiter, address, device
        finally:
            limiter.end(email, address, device)
    except (redis.RedisError, sqlite3.Error) as exc:
        log.error("%s: throttle store unavailable: %s", checks, exc)
        raise APIError(
            503, "service_unavailable", f"{checks} are paused; try again shortly"
        ) from None


def log_in(email: str, password: str) -> dict[str, Any] | None:
    """The runner, logged in; None when the account's second factor is still to come
    (two_factor.login: no session before the code)."""
    wrong = APIError(401, "invalid_credentials", "wrong email or password")
    user = checked_password(email, password, wrong)
    from runnerly_web.two_factor.login import second_factor_needed  # it builds on this module

    if second_factor_needed(user):
        return None
    web_session.log_in(user["id"], user["is_admin"], user["created_at"])
    devices.remember(user["email"])
    return user


def change_password(user_id: int, current: str, new: str) -> dict[str, Any]:
    """The new password is checked as at sign-up; every other session of the account ends
    (whoever else held one may have known the old password) and this one is renewed."""
    ds = dataservice()
    user = ds.json("GET", f"/users/{user_id}", runner=user_id)
    problem = password_problem(new, user["email"], [user["first_name"], user["last_name"]])
    if problem:
        raise field_error(422, "weak_password", "body.new_password", problem)
    if new == current:
        raise field_error(
            422, "weak_password", "body.new_password", "must differ from the current password"
        )
    wrong = field_error(401, "invalid_credentials", "body.current_password", "is not your password")
    checked_password(user["email"], current, wrong)
    ds.call("PUT", f"/users/{user_id}/password", runner=user_id, json={"password": new})
    from runnerly_web.account.recovery import after_password_change  # it builds on this module

    # Every session ends, reset links and a pending email change are cancelled, a notice.
    after_password_change(user)
    web_session.log_in(user_id, user["is_admin"], user["created_at"])
    devices.remember(user["email"])
    result: dict[str, Any] = user
    return result


def current_user() -> dict[str, Any] | None:
    """The logged-in runner, fresh from the dataservice; a session whose account is gone
    or disabled ends here."""
    user_id = web_session.current_user_id()
    if user_id is None:
        return None
    response = dataservice().call("GET", f"/users/{user_id}", runner=user_id, allow=(403, 404))
    user = response.json() if response.status_code == 200 else None
    if user is None or not web_session.matches(user):
        web_session.log_out()
        return None
    web_session.set_admin(user["is_admin"])
    # Read fresh for the session's answer: it is this request's account check, and the
    # next ones' (the dashboard's call right after it).
    web_session.account_confirmed(user)
    result: dict[str, Any] | None = user
    return result


def update_profile(user_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    user: dict[str, Any] = dataservice().json(
        "PATCH", f"/users/{user_id}", runner=user_id, json=changes
    )
    return user


def delete_account(user_id: int, password: str) -> None:
    ds = dataservice()
    user = ds.json("GET", f"/users/{user_id}", runner=user_id)
    wrong = field_error(401, "invalid_credentials", "body.password", "is not your password")
    checked_password(user["email"], password, wrong)
    # Strava is told first: once the link is deleted its tokens are gone with it.
    strava_oauth().forget(user_id)
    ds.call("DELETE", f"/users/{user_id}", runner=user_id, allow=(404,))
    web_session.end_all_sessions(user_id)
