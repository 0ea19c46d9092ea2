"""A runner's monthly report: what the monthly email and the web's report preview show.

It is built from the stats queries (the month and the one before in one grouped query,
the month's efforts through the runs index, the earlier bests through the efforts index),
so a report costs what a month of runs costs, whatever the runner's history.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dataservice.runs.local_time import local_today
from dataservice.stats import buckets, records, rows, totals
from dataservice.stats.periods import shift
from dataservice.users.service import runner_zone

# The figures compared with the previous month; a pace that drops is a faster month.
COMPARED = ("count", "distance", "moving_time", "elapsed_time", "elevation_gain", "average_pace")


def monthly_report(
    session: Session, runner_id: int, year: int, month: int, on: date | None = None
) -> dict[str, Any]:
    """The month's running totals, how they compare with the month before, the records
    set in the month and its longest run.

    A month still in progress on ``on`` (today by default) is compared with the same days
    of the month before (the 1st to the same day, or to that month's end when it is
    shorter): against a whole month, six days of December would read as -80 %."""
    first = date(year, month, 1)
    previous_first, end = shift(first, "month", -1), shift(first, "month", 1)
    before, current = totals.totals_by_period(
        session, runner_id, "month", previous_first, first, totals.DEFAULT_SPORTS
    )
    on = on or local_today(runner_zone(session, runner_id))  # the runner's today
    in_progress = first <= on < end
    compared_end = first  # exclusive
    if in_progress:
        compared_end = min(previous_first + timedelta(days=on.day), first)
        same_days = _totals(session, runner_id, previous_first, compared_end)
        before = {"start": before["start"], **same_days}
    return {
        "runner_id": runner_id,
        "year": year,
        "month": month,
        "sport": list(totals.DEFAULT_SPORTS),
        "runs_count": current["count"],
        "totals": current,
        "in_progress": in_progress,
        "previous_month": before,
        "compared_with": {
            "from": previous_first.isoformat(),
            "to": (compared_end - timedelta(days=1)).isoformat(),
        },
        "comparison": compare(current, before),
        "records_set": records_set(session, runner_id, first, end),
        "longest_run": records.longest_run(session, runner_id, first, end),
    }


def _totals(session: Session, runner_id: int, start: date, end: date) -> dict[str, Any]:
    """The running totals of the days from ``start`` to before ``end``."""
    conditions = totals.runner_runs(runner_id, totals.DEFAULT_SPORTS, start, end)
    return buckets.totals(session.execute(select(*buckets.sums()).where(*conditions)).one())


def compare(current: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
    """Per figure, the change and the change in percent; null where a side is missing
    (no pace without distance) and percent null when there is nothing to compare with."""
    comparison = {}
    for field in COMPARED:
        now, then = current[field], previous[field]
        delta = None if now is None or then is None else round(now - then, 1)
        percent = round(delta * 100 / then, 1) if delta is not None and then else None
        comparison[field] = {"delta": delta, "percent": percent}
    return comparison


def records_set(session: Session, runner_id: int, first: date, end: date) -> list[dict[str, Any]]:
    """The distances whose fastest effort of the month beats every effort before the
    month; a first effort ever over a distance is a record too (``previous`` null)."""
    month_best = records.period_efforts(session, runner_id, first, end)
    earlier = records.best_efforts(session, runner_id, sorted(month_best), before=first)
    answer = []
    for distance, effort in sorted(month_best.items()):
        prior = earlier.get(distance)
        if prior is None:
            previous, improvement = None, None
        elif effort.elapsed < prior.elapsed:
            previous = rows.effort_to_dict(prior)
            improvement = round(prior.elapsed - effort.elapsed, 1)
        else:
            continue
        answer.append(
            {
                "distance": distance,
                "label": records.LABELS[distance],
                **rows.effort_to_dict(effort),
                "previous": previous,
                "improvement": improvement,
            }
        )
    return answer
