"""/session, /signup, /login, /logout, /logout-everywhere, /profile and its password."""

from __future__ import annotations

from typing import Any

from flask import Response

from runnerly_common.errors import APIError
from runnerly_common.openapi import OpenAPIBlueprint, request_body
from runnerly_web import csrf, web_session
from runnerly_web.account import service
from runnerly_web.strava.service import strava_status


def _session_body(user: dict[str, Any] | None) -> dict[str, Any]:
    strava = None
    if user is not None:
        status = strava_status(user["id"])
        strava = status if status["connected"] else None
    return {
        "user": service.public_user(user) if user else None,
        "csrf_token": csrf.csrf_token(),
        "strava": strava,
    }


def bind(api: OpenAPIBlueprint) -> None:
    @api.operation("getSession")
    def get_session() -> dict[str, Any]:
        return _session_body(service.current_user())

    @api.operation("signup")
    def signup() -> tuple[dict[str, Any], int]:
        return _session_body(service.sign_up(request_body())), 201

    @api.operation("login")
    def login() -> dict[str, Any]:
        body = request_body()
        user = service.log_in(body["email"], body["password"])
        if user is None:  # the password was right; the second factor is to come
            return {"two_factor_required": True, "csrf_token": csrf.csrf_token()}
        return _session_body(user)

    @api.operation("logout")
    def logout() -> dict[str, Any]:
        web_session.log_out()
        return _session_body(None)

    @api.operation("logoutEverywhere")
    def logout_everywhere() -> dict[str, Any]:
        web_session.end_all_sessions(web_session.require_user())
        return _session_body(None)

    @api.operation("changePassword")
    def change_password() -> dict[str, Any]:
        user_id = web_session.require_user()
        body = request_body()
        user = service.change_password(user_id, body["current_password"], body["new_password"])
        return _session_body(user)

    @api.operation("getProfile")
    def get_profile() -> dict[str, Any]:
        web_session.require_user()
        user = service.current_user()
        if user is None:  # gone since the session's last check: current_user() ended it
            raise APIError(401, "not_authenticated", "this session has ended; log in again")
        return service.public_user(user)

    @api.operation("updateProfile")
    def update_profile() -> dict[str, Any]:
        user_id = web_session.require_user()
        return service.public_user(service.update_profile(user_id, request_body()))

    @api.operation("deleteAccount")
    def delete_account() -> Response:
        user_id = web_session.require_user()
        service.delete_account(user_id, request_body()["password"])
        return Response(status=204)
