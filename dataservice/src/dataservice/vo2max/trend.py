"""The runner's current VDOT as a trend, on each day from the run VDOTs of the last 30 days
(that day included); a day with no run in its 30 days has no value.

- Runs with a heart-rate estimate: their mean weighted by moving time, the Runalyze way
  (its "VO2max shape": ``SUM(vo2max * s) / SUM(s)`` over ``VO2MAX_DAYS`` = 30 days; docs
  ``calculations/vo2max.rst``: "your current VO2max shape is based on the average of the last
  30 days").  Heart rate says how hard each run was, so an easy run gives a fair figure.
- When no run of the window has one, the best VDOT by time among them, as Daniels sets a
  runner's VDOT from their best recent performance (*Daniels' Running Formula*, ch. 5).
  A best effort inside an easy run is a lower bound of fitness, not a measure of it: a mean
  of them put a runner whose best 5 km of the month was worth 18:27 at 21:13.
"""

from __future__ import annotations

from collections import deque
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
        select(RunVdot.day, RunVdot.vdot, RunVdot.duration, RunVdot.by_hr).where(
            RunVdot.runner_id == runner_id, RunVdot.day >= since, RunVdot.day <= last
        )
    )
    span = (last - since).days + 1
    weighted, weights, counts = [0.0] * span, [0.0] * span, [0] * span
    hr_runs = [0] * span
    best_by_time: list[float | None] = [None] * span
    for day, value, duration, by_hr in rows:
        i = (day - since).days
        counts[i] += 1
        if by_hr is None:
            best = best_by_time[i]
            best_by_time[i] = value if best is None else max(best, value)
            continue
        weight = max(duration, 1)  # a run of no recorded duration still counts a little
        weighted[i] += value * weight
        weights[i] += weight
        hr_runs[i] += 1
    answer: list[tuple[date, float | None, int]] = []
    sum_v = sum_w = 0.0
    runs = with_hr = 0
    window_best: deque[tuple[int, float]] = deque()  # (day index, value), values decreasing
    for i in range(span):
        sum_v, sum_w = sum_v + weighted[i], sum_w + weights[i]
        runs, with_hr = runs + counts[i], with_hr + hr_runs[i]
        if i >= WINDOW_DAYS:
            old = i - WINDOW_DAYS
            sum_v, sum_w = sum_v - weighted[old], sum_w - weights[old]
            runs, with_hr = runs - counts[old], with_hr - hr_runs[old]
        day_best = best_by_time[i]
        if day_best is not None:
            while window_best and window_best[-1][1] <= day_best:
                window_best.pop()
            window_best.append((i, day_best))
        while window_best and window_best[0][0] <= i - WINDOW_DAYS:
            window_best.popleft()
        day = since + timedelta(days=i)
        if day < first:
            continue
        if with_hr:
            answer.append((day, sum_v / sum_w, runs))
        else:
            answer.append((day, window_best[0][1] if window_best else None, runs))
    return answer


def on(session: Session, runner_id: int, day: date) -> float | None:
    """The trend on ``day``."""
    return daily(session, runner_id, day, day)[0][1]
