"""HTTP views for a runner's statistics: thin, over stats.totals and the kept records panel."""

from __future__ import annotations

from typing import Any

from dataservice.authz import runner_or_404
from dataservice.context import session
from dataservice.runs.local_time import local_today
from dataservice.stats import kept_records, totals
from dataservice.users.service import runner_zone
from runnerly_common.openapi import OpenAPIBlueprint, query_params


def bind(api: OpenAPIBlueprint) -> None:
    @api.operation("getStatsTotals")
    def get_totals(user_id: int) -> dict[str, Any]:
        runner_or_404(session(), user_id)
        params = query_params()
        return totals.period_totals(
            session(),
            user_id,
            params["period"],
            start=params.get("from"),
            end=params.get("to"),
            sports=params.get("sport"),
        )

    @api.operation("getStatsRecords")
    def get_records(user_id: int) -> dict[str, Any]:
        runner_or_404(session(), user_id)
        return kept_records.panel(session(), user_id)

    @api.operation("getStatsSummary")
    def get_summary(user_id: int) -> dict[str, Any]:
        runner_or_404(session(), user_id)
        params = query_params()
        sports = totals.sports_or_default(params.get("sport"))
        day = params.get("date") or local_today(runner_zone(session(), user_id))
        return totals.summary(session(), user_id, day, sports)
