"""The runner's share links and privacy zones (through the dataservice, with the runner's
token), and ``GET /api/web/shared/{token}``: what a link shows, to anyone, no session."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from runnerly_common.errors import error_response
from runnerly_common.openapi import OpenAPIBlueprint, query_params, request_body
from runnerly_web.extensions import dataservice
from runnerly_web.sharing.public import TOKEN, cacheable
from runnerly_web.web_session import require_user

SHARE_PATH = "/s/"  # the public page of a link: /s/<token>


def _not_found() -> Response:
    """The one answer for a token unknown, revoked, expired or malformed."""
    message = "This shared page does not exist or is no longer shared."
    return cacheable(error_response(404, "not_found", message))


def bind(api: OpenAPIBlueprint) -> None:
    @api.operation("listShareLinks")
    def list_share_links() -> dict[str, Any]:
        user_id = require_user()
        params = {k: v for k, v in query_params().items() if k in ("run_id", "race_id")}
        path = f"/users/{user_id}/share-links"
        return dataservice().json("GET", path, runner=user_id, params=params)

    @api.operation("createShareLink")
    def create_share_link() -> tuple[dict[str, Any], int]:
        user_id = require_user()
        path = f"/users/{user_id}/share-links"
        link = dataservice().json("POST", path, runner=user_id, json=request_body())
        link["path"] = SHARE_PATH + link.pop("token")
        return link, 201

    @api.operation("revokeShareLink")
    def revoke_share_link(link_id: int) -> Response:
        user_id = require_user()
        path = f"/users/{user_id}/share-links/{link_id}"
        dataservice().call("DELETE", path, runner=user_id)
        return Response(status=204)

    @api.operation("listPrivacyZones")
    def list_privacy_zones() -> dict[str, Any]:
        user_id = require_user()
        return dataservice().json("GET", f"/users/{user_id}/privacy-zones", runner=user_id)

    @api.operation("createPrivacyZone")
    def create_privacy_zone() -> tuple[dict[str, Any], int]:
        user_id = require_user()
        path = f"/users/{user_id}/privacy-zones"
        return dataservice().json("POST", path, runner=user_id, json=request_body()), 201

    @api.operation("deletePrivacyZone")
    def delete_privacy_zone(zone_id: int) -> Response:
        user_id = require_user()
        path = f"/users/{user_id}/privacy-zones/{zone_id}"
        dataservice().call("DELETE", path, runner=user_id)
        return Response(status=204)

    @api.operation("getShared")
    def get_shared(token: str) -> Response:
        if not TOKEN.match(token):
            return _not_found()
        answer = dataservice().call("POST", "/shared/by-token", json={"token": token}, allow=(404,))
        if answer.status_code == 404:
            return _not_found()
        return cacheable(jsonify(answer.json()))
