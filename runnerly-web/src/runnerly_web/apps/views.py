"""``/api/web/oauth/authorize`` (the consent page's two calls) and ``/api/web/apps`` (the
profile's authorized apps and personal tokens), for the logged-in runner only."""

from __future__ import annotations

from typing import Any

from flask import Response

from runnerly_common.openapi import OpenAPIBlueprint, query_params, request_body
from runnerly_web import web_session
from runnerly_web.apps.scopes import described
from runnerly_web.apps.tokendealer import tokendealer

_REQUEST_FIELDS = (
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
)


def _authorization_request() -> dict[str, Any]:
    """The app's request, from the query (where the app put it on /oauth/authorize)."""
    query = query_params()
    return {k: query[k] for k in _REQUEST_FIELDS if query.get(k) is not None}


def _grant(grant: dict[str, Any]) -> dict[str, Any]:
    return {**grant, "scopes": described(grant["scopes"])}


def bind(api: OpenAPIBlueprint) -> None:
    @api.operation("checkAppAuthorization")
    def check_app_authorization() -> dict[str, Any]:
        web_session.require_user()
        asked = tokendealer().call("POST", "/apps/authorization-requests", _authorization_request())
        return {
            "client_id": asked["client_id"],
            "app_name": asked["app_name"],
            "redirect_uri": asked["redirect_uri"],
            "scopes": described(asked["scopes"]),
        }

    @api.operation("answerAppAuthorization")
    def answer_app_authorization() -> dict[str, Any]:
        runner = web_session.require_user()
        allow = request_body()["allow"]
        answered = tokendealer().call(
            "POST",
            "/apps/authorizations",
            {**_authorization_request(), "runner_id": runner, "allow": allow},
        )
        return {"redirect_to": answered["redirect_to"]}

    @api.operation("listApps")
    def list_apps() -> dict[str, Any]:
        runner = web_session.require_user()
        grants = tokendealer().call("GET", f"/runners/{runner}/grants")["grants"]
        return {"grants": [_grant(g) for g in grants]}

    @api.operation("revokeApp")
    def revoke_app(grant_id: str) -> Response:
        runner = web_session.require_user()
        tokendealer().call("DELETE", f"/runners/{runner}/grants/{grant_id}")
        return Response(status=204)

    @api.operation("createPersonalToken")
    def create_personal_token() -> tuple[dict[str, Any], int]:
        runner = web_session.require_user()
        made = tokendealer().call("POST", f"/runners/{runner}/personal-tokens", request_body())
        return {"token": made["token"], "grant": _grant(made["grant"])}, 201
