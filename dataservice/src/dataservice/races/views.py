"""HTTP views for races: thin, over races.service."""

from __future__ import annotations

from typing import Any

from flask import Response

from dataservice.authz import runner_or_404
from dataservice.context import session
from dataservice.races import service
from dataservice.races.serialize import race_to_dict
from runnerly_common.openapi import OpenAPIBlueprint, query_params, request_body


def bind(api: OpenAPIBlueprint) -> None:
    @api.operation("listRaces")
    def list_races(user_id: int) -> dict[str, Any]:
        runner_or_404(session(), user_id)
        params = query_params()
        today = service.today()
        races, total = service.list_races(
            session(),
            user_id,
            when=params.get("when", "all"),
            on=today,
            page=params["page"],
            per_page=params["per_page"],
        )
        return {
            "items": [race_to_dict(r, today) for r in races],
            "total": total,
            "page": params["page"],
            "per_page": params["per_page"],
        }

    @api.operation("createRace")
    def create_race(user_id: int) -> tuple[dict[str, Any], int]:
        runner_or_404(session(), user_id)
        race = service.create_race(session(), user_id, request_body())
        session().commit()
        return race_to_dict(race, service.today()), 201

    @api.operation("getRace")
    def get_race(user_id: int, race_id: int) -> dict[str, Any]:
        runner_or_404(session(), user_id)
        return race_to_dict(service.get_race(session(), user_id, race_id), service.today())

    @api.operation("updateRace")
    def update_race(user_id: int, race_id: int) -> dict[str, Any]:
        runner_or_404(session(), user_id)
        race = service.update_race(
            session(), service.get_race(session(), user_id, race_id), request_body()
        )
        session().commit()
        return race_to_dict(race, service.today())

    @api.operation("deleteRace")
    def delete_race(user_id: int, race_id: int) -> Response:
        runner_or_404(session(), user_id)
        service.delete_race(session(), service.get_race(session(), user_id, race_id))
        session().commit()
        return Response(status=204)
