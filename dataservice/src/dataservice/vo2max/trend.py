"""The runner's current VDOT as a trend, the Runalyze way: on each day, the mean of the run
VDOTs of the last 30 days (that day included), each weighted by the run's moving time
(Runalyze's "VO2max shape": ``SUM(vo2max * s) / SUM(s)`` over ``VO2MAX_DAYS`` = 30 days;
docs ``calculations/vo2max.rst``: "your current VO2max shape is based on the average of the
last 30 days").  A long run counts more than a short one; a day with no run in its 30 days
has no value.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from dataservice.vo2max.models import RunVdot

WINDOW_DAYS = 30


def daily(
    session: Session, runner_id: int, first: date, last: date
) -> list[tuple[date, float | None, int]]:
    """(day, trend, runs in its window) for every day from ``first`` to ``last``."""
    since = first - timedelta(days=WINDOW_DAYS - 1)
    rows = session.execute(
        select(RunVdot.day, RunVdot.vdot, RunVdot.duration).where(
            RunVdot.runner_id == runner_id, RunVdot.day >= since, RunVdot.day <= last
        )
    )
    span = (last - since).days + 1
    weighted, weights, counts = [0.0] * span, [0.0] * span, [0] * span
    for day, value, duration in rows:
        i = (day - since).days
        weight = max(duration, 1)  # a run of no recorded duration still counts a little
        weighted[i] += value * weight
        weights[i] += weight
        counts[i] += 1
    answer = []
    sum_v = sum_w = 0.0
    runs = 0
    for i in range(span):
        sum_v, sum_w, runs = sum_v + weighted[i], sum_w + weights[i], runs + counts[i]
        if i >= WINDOW_DAYS:
            old = i - WINDOW_DAYS
            sum_v, sum_w, runs = sum_v - weighted[old], sum_w - weights[old], runs - counts[old]
        day = since + timedelta(days=i)
        if day >= first:
            answer.append((day, sum_v / sum_w if runs else None, runs))
    return answer


def on(session: Session, runner_id: int, day: date) -> float | None:
    """The trend on ``day``."""
    return daily(session, runner_id, day, day)[0][1]
