"""The signed-in runner's daily load, fitness, fatigue and form: the dataservice's answer."""

from __future__ import annotations

from typing import Any

from runnerly_common.openapi import OpenAPIBlueprint, query_params
from runnerly_web.extensions import dataservice
from runnerly_web.web_session import require_user


def bind(api: OpenAPIBlueprint) -> None:
    @api.operation("getFitness")
    def get_fitness() -> Any:
        user_id = require_user()
        params = {key: str(value) for key, value in query_params().items()}
        path = f"/users/{user_id}/fitness"
        return dataservice().json("GET", path, runner=user_id, params=params)
