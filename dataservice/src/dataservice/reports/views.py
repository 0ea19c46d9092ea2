"""HTTP views for a runner's reports: thin, over reports.service."""

from __future__ import annotations

from typing import Any

from dataservice.authz import runner_or_404
from dataservice.context import session
from dataservice.reports import service
from runnerly_common.openapi import OpenAPIBlueprint


def bind(api: OpenAPIBlueprint) -> None:
    @api.operation("getMonthlyReport")
    def get_monthly_report(user_id: int, year: int, month: int) -> dict[str, Any]:
        runner_or_404(session(), user_id)
        return service.monthly_report(session(), user_id, year, month)
