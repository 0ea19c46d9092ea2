"""The runner's search of their runs (the run list's filters, the dashboard's latest runs)."""

from __future__ import annotations

from datetime import date
from typing import Any

from runnerly_common.openapi import OpenAPIBlueprint, query_params
from runnerly_web.extensions import dataservice
from runnerly_web.web_session import require_user


def bind(api: OpenAPIBlueprint) -> None:
    @api.operation("searchRuns")
    def search_runs() -> dict[str, Any]:
        user_id = require_user()
        # Checked and typed by the spec; the dataservice checks the pairs (to_day before
        # from_day...) and its 400 names the same query parameter.
        params = {
            key: value.isoformat() if isinstance(value, date) else value
            for key, value in query_params().items()
        }
        path = f"/users/{user_id}/runs"
        result: dict[str, Any] = dataservice().json("GET", path, runner=user_id, params=params)
        return result
