"""A runner's runs: a month, one run (corrected, deleted), its track, and file uploads."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from runnerly_common.openapi import OpenAPIBlueprint, query_params, request_body
from runnerly_web.extensions import dataservice
from runnerly_web.web_session import require_user


def bind(api: OpenAPIBlueprint) -> None:
    @api.operation("getMonthRuns")
    def month_runs(year: int, month: int) -> dict[str, Any]:
        user_id = require_user()
        answer = dataservice().json("GET", f"/runs/{user_id}/{year}/{month}", runner=user_id)
        answer.pop("runner_id", None)
        return answer

    @api.operation("getRun")
    def get_run(run_id: int) -> dict[str, Any]:
        user_id = require_user()
        return dataservice().json("GET", f"/users/{user_id}/runs/{run_id}", runner=user_id)

    @api.operation("mergeRun")
    def merge_run(run_id: int) -> dict[str, Any]:
        user_id = require_user()
        path = f"/users/{user_id}/runs/{run_id}/merge"
        return dataservice().json("POST", path, runner=user_id, json=request_body())

    @api.operation("splitRun")
    def split_run(run_id: int) -> dict[str, Any]:
        user_id = require_user()
        return dataservice().json("POST", f"/users/{user_id}/runs/{run_id}/split", runner=user_id)

    @api.operation("updateRun")
    def update_run(run_id: int) -> dict[str, Any]:
        user_id = require_user()
        path = f"/users/{user_id}/runs/{run_id}"
        return dataservice().json("PATCH", path, runner=user_id, json=request_body())

    @api.operation("deleteRun")
    def delete_run(run_id: int) -> Response:
        user_id = require_user()
        dataservice().call("DELETE", f"/users/{user_id}/runs/{run_id}", runner=user_id)
        return Response(status=204)

    @api.operation("getRunTrack")
    def get_track(run_id: int) -> dict[str, Any]:
        user_id = require_user()
        return dataservice().json("GET", f"/users/{user_id}/runs/{run_id}/track", runner=user_id)

    @api.operation("uploadRunFile")
    def upload(  # the body goes on as it came: the dataservice reads and checks the file
    ) -> tuple[dict[str, Any], int]:
        user_id = require_user()
        response = dataservice().call(
            "POST",
            f"/users/{user_id}/runs/import",
            runner=user_id,
            params={"filename": query_params()["filename"]},
            data=request.get_data(cache=False),
            content_type="application/octet-stream",
        )
        return response.json(), response.status_code
