"""A record's history, the records a run set and a run's splits: each a call to the
dataservice on the runner's behalf, answered as it is."""

from __future__ import annotations

from typing import Any

from runnerly_common.openapi import OpenAPIBlueprint
from runnerly_web.extensions import dataservice
from runnerly_web.web_session import require_user


def _get(path: str) -> Any:
    user_id = require_user()
    return dataservice().json("GET", f"/users/{user_id}{path}", runner=user_id)


def bind(api: OpenAPIBlueprint) -> None:
    @api.operation("getRecordHistory")
    def record_history(distance: int) -> Any:
        return _get(f"/stats/records/{distance}/history")

    @api.operation("getRunRecords")
    def run_records(run_id: int) -> Any:
        return _get(f"/runs/{run_id}/records")

    @api.operation("getRunSplits")
    def run_splits(run_id: int) -> Any:
        return _get(f"/runs/{run_id}/splits")
