"""HTTP views for Strava links: only the worker's and the web app's clients."""

from __future__ import annotations

from typing import Any

from flask import Response

from dataservice.authz import principal, require_client, runner_or_404
from dataservice.context import cipher, session, settings
from dataservice.errors import forbidden
from dataservice.runs import streams
from dataservice.strava import service
from runnerly_common.openapi import OpenAPIBlueprint, query_params, request_body


def _trusted() -> None:
    require_client(settings().strava_clients, "Strava links")


def bind(api: OpenAPIBlueprint) -> None:
    @api.operation("getStravaLink")
    def get_link(user_id: int) -> dict[str, Any]:
        _trusted()
        runner_or_404(session(), user_id)
        link = service.link_to_dict(service.get_link(session(), user_id), cipher())
        # The streams' backfill, shown to the runner beside the summaries' progress.
        return {**link, "streams": streams.progress(session(), user_id)}

    @api.operation("putStravaLink")
    def put_link(user_id: int) -> tuple[dict[str, Any], int]:
        _trusted()
        runner_or_404(session(), user_id)
        link, created = service.put_link(session(), cipher(), user_id, request_body())
        session().commit()
        return service.link_to_dict(link, cipher()), 201 if created else 200

    @api.operation("updateStravaLink")
    def update_link(user_id: int) -> dict[str, Any]:
        _trusted()
        runner_or_404(session(), user_id)
        link = service.get_link(session(), user_id)
        service.update_link(session(), cipher(), link, request_body())
        session().commit()
        return service.link_to_dict(link, cipher())

    @api.operation("deleteStravaLink")
    def delete_link(user_id: int) -> Response:
        _trusted()
        runner_or_404(session(), user_id)
        service.delete_link(session(), user_id)
        session().commit()
        return Response(status=204)

    @api.operation("listStravaLinks")
    def list_links() -> dict[str, Any]:
        _trusted()
        if principal().is_runner:
            raise forbidden("listing Strava links needs a service token")
        params = query_params()
        links, total = service.list_links(
            session(), params["page"], params["per_page"], params.get("athlete_id")
        )
        return {
            "items": [service.link_to_dict(link, None) for link in links],
            "total": total,
            "page": params["page"],
            "per_page": params["per_page"],
        }
