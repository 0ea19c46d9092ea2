"""/password-reset, /password-reset/confirm, /profile/email and /profile/email/confirm."""

from __future__ import annotations

from typing import Any

from runnerly_common.openapi import OpenAPIBlueprint, request_body
from runnerly_web import web_session
from runnerly_web.account import email_change, recovery, service

# The answer every account operation gives: the session, its CSRF token.
from runnerly_web.account.views import _session_body as session_body


def bind(api: OpenAPIBlueprint) -> None:
    @api.operation("requestPasswordReset")
    def request_password_reset() -> tuple[dict[str, Any], int]:
        return recovery.request_reset(request_body()["email"]), 202

    @api.operation("confirmPasswordReset")
    def confirm_password_reset() -> dict[str, Any]:
        body = request_body()
        recovery.reset_password(body["token"], body["new_password"])
        # Anonymous when this browser was the account's (its session ended with the rest).
        return session_body(service.current_user())

    @api.operation("requestEmailChange")
    def request_email_change() -> tuple[dict[str, Any], int]:
        user_id = web_session.require_user()
        body = request_body()
        return email_change.request_change(user_id, body["new_email"], body["password"]), 202

    @api.operation("confirmEmailChange")
    def confirm_email_change() -> dict[str, Any]:
        email_change.confirm_change(request_body()["token"])
        # The runner's own browser is still logged in (renewed); any other as it was.
        return session_body(service.current_user())
