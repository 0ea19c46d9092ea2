"""Password reset by email: ask for a link, then choose a new password with it.

Asking answers the same whatever the address (an account or not, enabled or not) and
takes at least ``PASSWORD_RESET_ANSWER_MS``, so neither the answer nor its time tells
who is registered; the requests are limited per address asked and per client
(:mod:`request_limits`).  The link's token is single-use and lives
``PASSWORD_RESET_TTL_SECONDS`` (an hour).  Choosing the new password redeems it, sets the
password, ends every session of the account (whoever had one may have known the old
password), cancels the runner's other reset links and any pending email change, and mails
a notice.  It logs nobody in: the runner then logs in as usual, with every check a login
makes (two-factor included) — a reset link is never a way around them.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from typing import Any

import redis

from runnerly_common.errors import APIError
from runnerly_web import web_session
from runnerly_web.account import mails
from runnerly_web.account.one_time_tokens import TokenRefused
from runnerly_web.account.service import client_address, field_error
from runnerly_web.extensions import (
    dataservice,
    one_time_tokens,
    reset_limit,
    settings,
    throttle,
)
from runnerly_web.passwords import password_problem

log = logging.getLogger(__name__)
RESET, EMAIL = "password-reset", "email-change"
STORE_ERRORS = (redis.RedisError, sqlite3.Error)

TOKEN_PROBLEMS = {
    "unknown": "this link is not valid: check that it was copied whole, or ask for a new one",
    "used": "this link was already used; ask for a new one if you need it",
    "expired": "this link has expired; ask for a new one",
    "replaced": "this link was cancelled by a later change to the account; use the newest email",
}


def token_error(refused: TokenRefused) -> APIError:
    return field_error(400, "invalid_token", "body.token", TOKEN_PROBLEMS[refused.reason])


def store_unavailable(exc: Exception) -> APIError:
    log.error("token store unavailable: %s", exc)
    return APIError(
        503,
        "service_unavailable",
        "account links cannot be checked right now; try again shortly",
        headers={"Retry-After": "5"},
    )


def _wait_words(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} seconds"
    return f"{-(-seconds // 60)} minutes"


def find_by_email(email: str) -> dict[str, Any] | None:
    """The account using ``email`` (any case), or None."""
    found = dataservice().json("GET", "/users", params={"email": email.strip(), "per_page": 1})
    items: list[dict[str, Any]] = found["items"]
    return items[0] if items else None


def request_reset(email: str) -> dict[str, Any]:
    """Mail a reset link to ``email`` if an enabled account uses it; the answer is the
    same either way."""
    started = time.monotonic()
    try:
        wait = reset_limit().take(email, client_address())
    except STORE_ERRORS as exc:
        raise store_unavailable(exc) from None
    if wait:
        raise APIError(
            429,
            "too_many_requests",
            f"too many reset requests for now; try again in {_wait_words(wait)}",
            headers={"Retry-After": str(wait)},
        )
    user = find_by_email(email)
    if user is not None and not user.get("disabled"):
        ttl = settings().password_reset_ttl_seconds
        try:
            token = one_time_tokens().issue(RESET, user["id"], {}, ttl)
        except STORE_ERRORS as exc:
            raise store_unavailable(exc) from None
        mails.send(mails.reset_link(user, token, ttl))
    # The same time for both answers: what is left of the floor is slept.
    floor = settings().password_reset_answer_ms / 1000
    time.sleep(max(0.0, floor - (time.monotonic() - started)))
    minutes = settings().password_reset_ttl_seconds // 60
    return {
        "status": "requested",
        "message": (
            "If an account uses this address, an email with a link to choose a new password "
            f"is on its way. The link works once, for {minutes} minutes."
        ),
    }


def reset_password(token: str, new_password: str) -> None:
    tokens = one_time_tokens()
    try:
        pending = tokens.peek(RESET, token)  # a refused password leaves the link usable
    except TokenRefused as refused:
        raise token_error(refused) from None
    except STORE_ERRORS as exc:
        raise store_unavailable(exc) from None
    ds = dataservice()
    user_id = pending.user_id
    response = ds.call("GET", f"/users/{user_id}", allow=(404,))
    if response.status_code == 404:
        raise token_error(TokenRefused("unknown"))
    user = response.json()
    problem = password_problem(new_password, user["email"], [user["first_name"], user["last_name"]])
    if problem:
        raise field_error(422, "weak_password", "body.new_password", problem)
    try:
        tokens.redeem(RESET, token)  # atomic: of two requests with the link, one gets here
    except TokenRefused as refused:
        raise token_error(refused) from None
    except STORE_ERRORS as exc:
        raise store_unavailable(exc) from None
    ds.call("PUT", f"/users/{user_id}/password", runner=user_id, json={"password": new_password})
    after_password_change(user)


def after_password_change(user: dict[str, Any]) -> None:
    """What any new password brings: other reset links and a pending email change are
    cancelled, every session ends, the lockout of failed logins is lifted, a notice."""
    tokens = one_time_tokens()
    try:
        tokens.revoke_all(RESET, user["id"])
        tokens.revoke_all(EMAIL, user["id"])
        throttle().succeeded(user["email"])
    except STORE_ERRORS as exc:  # the password is set: the links still expire by themselves
        log.error("could not cancel the account links of runner %s: %s", user["id"], exc)
    web_session.end_all_sessions(user["id"])
    mails.send(mails.password_changed(user))
