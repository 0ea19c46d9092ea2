"""Two-factor sign-in from the profile: enrol (QR code and secret), confirm with a first
code (recovery codes shown once), turn off (password and a code), new recovery codes; and
an administrator's reset, of which the runner is told by email."""

from __future__ import annotations

import logging
from typing import Any

import segno

from runnerly_common.errors import APIError
from runnerly_common.two_factor_mail import reset_notice
from runnerly_web.account import mails
from runnerly_web.account.service import checked_password, field_error
from runnerly_web.extensions import dataservice
from runnerly_web.two_factor.checks import second_factor, throttled, wrong_factor

log = logging.getLogger(__name__)


def status(user_id: int) -> dict[str, Any]:
    answer: dict[str, Any] = dataservice().json(
        "GET", f"/users/{user_id}/two-factor", runner=user_id
    )
    return answer


def qr_svg(uri: str) -> str:
    """The URI as a QR code, an SVG ``data:`` URI: an image the page's policy already
    allows (``img-src data:``), drawn here so the dashboard carries no QR library."""
    # Error correction M, as authenticator apps' own examples; a quiet zone of 4 modules.
    return str(segno.make(uri, error="m").svg_data_uri(scale=4, dark="#111", light="#fff"))


def start(user_id: int) -> dict[str, Any]:
    answer = dataservice().json("POST", f"/users/{user_id}/two-factor/enrolment", runner=user_id)
    return {**answer, "qr_svg": qr_svg(answer["otpauth_uri"])}


def confirm(user_id: int, body: dict[str, Any]) -> dict[str, Any]:
    factor = second_factor(body)
    try:
        answer: dict[str, Any] = dataservice().json(
            "POST", f"/users/{user_id}/two-factor/enrolment/confirm", runner=user_id, json=factor
        )
    except APIError as exc:
        if exc.status == 422:  # the enrolment's own secret, just shown: not throttled
            raise wrong_factor(factor) from None
        raise
    return answer


def _code_checked_call(user: dict[str, Any], path: str, factor: dict[str, str]) -> Any:
    """A dataservice call that checks ``factor`` itself (422 when wrong), throttled."""
    with throttled(user["email"]) as (limiter, address, device):
        try:
            response = dataservice().call("POST", path, runner=user["id"], json=factor)
        except APIError as exc:
            if exc.status == 422:
                limiter.failed(user["email"], address, device)
                raise wrong_factor(factor) from None
            raise
        limiter.succeeded(user["email"], device)
    return response


def disable(user_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """The password (counted in the login throttle) and a code or recovery code."""
    user = dataservice().json("GET", f"/users/{user_id}", runner=user_id)
    factor = second_factor({k: v for k, v in body.items() if k != "password"})
    wrong = field_error(401, "invalid_credentials", "body.password", "is not your password")
    checked_password(user["email"], body["password"], wrong)
    _code_checked_call(user, f"/users/{user_id}/two-factor/disable", factor)
    return status(user_id)


def regenerate(user_id: int, body: dict[str, Any]) -> dict[str, Any]:
    user = dataservice().json("GET", f"/users/{user_id}", runner=user_id)
    factor = second_factor(body)
    response = _code_checked_call(user, f"/users/{user_id}/two-factor/recovery-codes", factor)
    answer: dict[str, Any] = response.json()
    return answer


def admin_reset(admin_id: int, user_id: int) -> dict[str, Any]:
    ds = dataservice()
    answer: dict[str, Any] = ds.json(
        "POST", f"/users/{user_id}/two-factor/reset", runner=admin_id, admin=True
    )
    user = ds.json("GET", f"/users/{user_id}", runner=admin_id, admin=True)
    told = answer["was_enabled"] and _tell_runner(user)
    return {**answer, "runner_told": bool(told)}


def _tell_runner(user: dict[str, Any]) -> bool:
    """A security notice to the runner, queued for the worker (False when it could not be:
    the administrator is told to say it themself)."""
    notice = reset_notice(
        str(user["email"]),
        mails.public_url(),
        str(user.get("first_name") or ""),
        runner_id=int(user["id"]),
    )
    return mails.send(notice)
