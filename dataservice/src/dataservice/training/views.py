"""HTTP view for a runner's fitness, fatigue and form per day: thin, over training.kept."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from dataservice.authz import runner_or_404
from dataservice.context import session
from dataservice.errors import invalid
from dataservice.runs.local_time import local_today
from dataservice.stats.periods import FIRST_DAY, LAST_DAY
from dataservice.training import daily, kept
from dataservice.users.service import get_user
from runnerly_common.openapi import OpenAPIBlueprint, query_params

DEFAULT_DAYS = 90
MAX_DAYS = 3 * 366 + 1  # three years of days: a chart, not a scan


def span(params: dict[str, Any], today: date) -> tuple[date, date]:
    """``from`` and ``to`` with their defaults (the 90 days up to today); 400 naming the
    field beyond the bounds."""
    start, end = params.get("from"), params.get("to")
    for field, day in (("query.from", start), ("query.to", end)):
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise invalid(field, f"must be between {FIRST_DAY} and {LAST_DAY}")
    last = end or (today if start is None else max(today, start))
    first = start or last - timedelta(days=DEFAULT_DAYS - 1)
    if last < first:
        raise invalid("query.to", "must not be before 'from'")
    if (last - first).days + 1 > MAX_DAYS:
        raise invalid("query.from", f"at most {MAX_DAYS} days fit in one answer")
    return first, last


def bind(api: OpenAPIBlueprint) -> None:
    @api.operation("getFitness")
    def get_fitness(user_id: int) -> dict[str, Any]:
        runner_or_404(session(), user_id)
        user = get_user(session(), user_id)
        today = local_today(user.timezone)
        first, last = span(query_params(), today)
        profile = kept.Profile.of(user)
        return {
            "from": first.isoformat(),
            "to": last.isoformat(),
            "today": today.isoformat(),
            "fitness_days": daily.FITNESS_DAYS,
            "fatigue_days": daily.FATIGUE_DAYS,
            "settings": {
                "max_hr": profile.max_hr,
                "rest_hr": profile.rest_hr,
                "threshold_pace": profile.threshold_pace,
                "threshold_from": profile.threshold_from,
            },
            "days": [d.as_dict() for d in kept.series(session(), user_id, first, last)],
        }
