"""/login/two-factor, /profile/two-factor/*, /admin/users/{id}/two-factor/reset."""

from __future__ import annotations

from typing import Any

from runnerly_common.errors import APIError
from runnerly_common.openapi import OpenAPIBlueprint, request_body
from runnerly_web import web_session
from runnerly_web.account.service import current_user
from runnerly_web.account.views import _session_body
from runnerly_web.two_factor import login, profile


def _require_admin() -> int:
    user_id = web_session.require_user()
    user = current_user()  # fresh: an admin flag removed a minute ago counts
    if user is None or not user["is_admin"]:
        raise APIError(403, "forbidden", "administrators only")
    return user_id


def bind(api: OpenAPIBlueprint) -> None:
    @api.operation("loginTwoFactor")
    def login_two_factor() -> dict[str, Any]:
        return _session_body(login.complete(request_body()))

    @api.operation("getTwoFactor")
    def get_two_factor() -> dict[str, Any]:
        return profile.status(web_session.require_user())

    @api.operation("startTwoFactor")
    def start_two_factor() -> tuple[dict[str, Any], int]:
        return profile.start(web_session.require_user()), 201

    @api.operation("confirmTwoFactor")
    def confirm_two_factor() -> dict[str, Any]:
        return profile.confirm(web_session.require_user(), request_body())

    @api.operation("disableTwoFactor")
    def disable_two_factor() -> dict[str, Any]:
        return profile.disable(web_session.require_user(), request_body())

    @api.operation("regenerateRecoveryCodes")
    def regenerate_recovery_codes() -> dict[str, Any]:
        return profile.regenerate(web_session.require_user(), request_body())

    @api.operation("adminResetTwoFactor")
    def admin_reset_two_factor(user_id: int) -> dict[str, Any]:
        return profile.admin_reset(_require_admin(), user_id)
