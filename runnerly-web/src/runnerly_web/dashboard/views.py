"""``GET /api/web/dashboard``: the dashboard's first screen, for the session's runner."""

from __future__ import annotations

from concurrent.futures import Executor
from typing import Any

from flask import current_app

from runnerly_common.openapi import OpenAPIBlueprint, query_params
from runnerly_web.dashboard.service import POOL, first_screen
from runnerly_web.extensions import dataservice
from runnerly_web.web_session import require_user


def bind(api: OpenAPIBlueprint) -> None:
    @api.operation("getDashboard")
    def dashboard() -> dict[str, Any]:
        user_id = require_user()
        pool: Executor = current_app.extensions[POOL]
        return first_screen(dataservice(), pool, user_id, query_params().get("from"))
