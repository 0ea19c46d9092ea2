"""HTTP views of share links and privacy zones: the runner's own, and the web app's "by
token" read (the public page has no runner signed in; the token is the authority)."""

from __future__ import annotations

from typing import Any

from flask import Response

from dataservice.authz import principal, runner_or_404
from dataservice.context import session
from dataservice.errors import forbidden, not_found
from dataservice.sharing import service
from runnerly_common.openapi import OpenAPIBlueprint, query_params, request_body


def bind(api: OpenAPIBlueprint) -> None:
    @api.operation("listShareLinks")
    def list_share_links(user_id: int) -> dict[str, Any]:
        runner_or_404(session(), user_id)
        params = query_params()
        links = service.list_links(session(), user_id, params.get("run_id"), params.get("race_id"))
        return {"items": [service.link_to_dict(link) for link in links]}

    @api.operation("createShareLink")
    def create_share_link(user_id: int) -> tuple[dict[str, Any], int]:
        runner_or_404(session(), user_id)
        link, token = service.create_link(session(), user_id, request_body())
        answer = service.link_to_dict(link, token)
        session().commit()
        return answer, 201

    @api.operation("revokeShareLink")
    def revoke_share_link(user_id: int, link_id: int) -> Response:
        runner_or_404(session(), user_id)
        service.revoke_link(session(), user_id, link_id)
        session().commit()
        return Response(status=204)

    @api.operation("listPrivacyZones")
    def list_privacy_zones(user_id: int) -> dict[str, Any]:
        runner_or_404(session(), user_id)
        zones = service.list_zones(session(), user_id)
        return {"items": [service.zone_to_dict(zone) for zone in zones]}

    @api.operation("createPrivacyZone")
    def create_privacy_zone(user_id: int) -> tuple[dict[str, Any], int]:
        runner_or_404(session(), user_id)
        zone = service.create_zone(session(), user_id, request_body())
        answer = service.zone_to_dict(zone)
        session().commit()
        return answer, 201

    @api.operation("deletePrivacyZone")
    def delete_privacy_zone(user_id: int, zone_id: int) -> Response:
        runner_or_404(session(), user_id)
        service.delete_zone(session(), user_id, zone_id)
        session().commit()
        return Response(status=204)

    @api.operation("sharedByToken")
    def shared_by_token() -> dict[str, Any]:
        if principal().is_runner:
            raise forbidden("a read by share token needs a service token")
        found = service.resolve(session(), request_body()["token"])
        if found is None:  # unknown, revoked and expired alike: nothing to enumerate
            raise not_found("shared page")
        return found
