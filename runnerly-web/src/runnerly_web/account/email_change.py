"""Changing the account's email: asked with the password, confirmed from the new address.

Asking checks the password again (it counts in the login throttle), refuses an address
another account uses (409 naming ``body.new_email``), mails a single-use confirmation link
to the new address and tells the old one a change was asked for.  The link lives
``EMAIL_CHANGE_TTL_SECONDS`` (a day: it only proves the runner reads the new address —
it cannot send the account anywhere else — and the old address is told at once, so a day
gives the runner time to confirm from another device without making a stolen session
more useful; a new password cancels it).  A newer request replaces the older link.
Confirming changes the email in the dataservice (whose unique index settles a race for
the address), tells the old address, cancels pending reset links (they went to the old
address), and ends every other session of the runner.
"""

from __future__ import annotations

from typing import Any

from runnerly_common.errors import APIError
from runnerly_web import devices, web_session
from runnerly_web.account import mails
from runnerly_web.account.one_time_tokens import TokenRefused
from runnerly_web.account.recovery import (
    EMAIL,
    RESET,
    STORE_ERRORS,
    find_by_email,
    store_unavailable,
    token_error,
)
from runnerly_web.account.service import checked_password, field_error
from runnerly_web.extensions import dataservice, one_time_tokens, settings


def request_change(user_id: int, new_email: str, password: str) -> dict[str, Any]:
    user = dataservice().json("GET", f"/users/{user_id}", runner=user_id)
    new_email = new_email.strip()
    if new_email.casefold() == user["email"].strip().casefold():
        raise field_error(422, "same_email", "body.new_email", "is already your email address")
    wrong = field_error(401, "invalid_credentials", "body.password", "is not your password")
    checked_password(user["email"], password, wrong)
    if find_by_email(new_email) is not None:
        raise field_error(409, "email_taken", "body.new_email", "is already registered")
    ttl = settings().email_change_ttl_seconds
    tokens = one_time_tokens()
    data = {"new_email": new_email, "old_email": user["email"]}
    try:
        tokens.revoke_all(EMAIL, user_id)  # only the newest request's link works
        token = tokens.issue(EMAIL, user_id, data, ttl)
    except STORE_ERRORS as exc:
        raise store_unavailable(exc) from None
    if not mails.send(mails.confirm_new_email(user, new_email, token, ttl)):
        tokens.revoke_all(EMAIL, user_id)
        raise APIError(
            503,
            "mail_unavailable",
            "the confirmation email cannot be sent right now; try again in a few minutes",
            headers={"Retry-After": "60"},
        )
    mails.send(mails.email_change_requested(user, new_email))
    return {"status": "confirmation_sent", "new_email": new_email}


def confirm_change(token: str) -> dict[str, Any]:
    """The account with its new email; every other session of the runner ends (this
    browser's stays when it is the runner's own)."""
    tokens = one_time_tokens()
    try:
        pending = tokens.peek(EMAIL, token)
    except TokenRefused as refused:
        raise token_error(refused) from None
    except STORE_ERRORS as exc:
        raise store_unavailable(exc) from None
    user_id, new_email, old_email = (
        pending.user_id,
        pending.data["new_email"],
        pending.data["old_email"],
    )
    ds = dataservice()
    response = ds.call("GET", f"/users/{user_id}", allow=(404,))
    if response.status_code == 404 or response.json()["email"] != old_email:
        # The account is gone, or its email changed since the link was sent.
        raise token_error(TokenRefused("replaced"))
    try:
        tokens.redeem(EMAIL, token)
    except TokenRefused as refused:
        raise token_error(refused) from None
    except STORE_ERRORS as exc:
        raise store_unavailable(exc) from None
    try:
        user = ds.json("PATCH", f"/users/{user_id}", runner=user_id, json={"email": new_email})
    except APIError as exc:
        if exc.status != 409:
            raise
        raise field_error(
            409,
            "email_taken",
            "body.token",
            f"{new_email} was registered by another account meanwhile",
        ) from None
    try:
        tokens.revoke_all(RESET, user_id)  # reset links went to the old address
    except STORE_ERRORS as exc:
        store_unavailable(exc)  # logged; they expire within the hour
    ours = web_session.current_user_id() == user_id
    web_session.end_all_sessions(user_id)
    if ours:
        web_session.log_in(user_id, user["is_admin"], user["created_at"])
        devices.remember(new_email)
    mails.send(mails.email_changed(user, old_email, new_email))
    result: dict[str, Any] = user
    return result
