"""What the VDOT endpoints answer: the trend, race predictions, marathon shape, and
heart-rate zones per run and per week."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dataservice.errors import invalid
from dataservice.plans.counting import counted_conditions
from dataservice.plans.fitness import RECENT_WEEKS, Fitness
from dataservice.races.models import Race
from dataservice.runs import service as runs
from dataservice.runs.local_time import local_today
from dataservice.runs.models import BestEffort, Run, RunStream, RunTrack
from dataservice.runs.streams import decode
from dataservice.stats.periods import FIRST_DAY, LAST_DAY, midnight
from dataservice.users.models import User
from dataservice.users.service import runner_zone
from dataservice.vo2max import predictions, shape, trend, zones
from dataservice.vo2max.models import RunVdot

MAX_TREND_DAYS = 731
DEFAULT_TREND_DAYS = 365
MAX_ZONE_WEEKS = 26
DEFAULT_ZONE_WEEKS = 12


def today_of(session: Session, runner_id: int, day: date | None) -> date:
    return day or local_today(runner_zone(session, runner_id))


def _in_range(first: date | None, last: date | None) -> None:
    """The dates every statistic accepts (a day beyond them is not a run's, and arithmetic
    around year 1 or 9999 overflows)."""
    for field, day in (("query.from", first), ("query.to", last)):
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise invalid(field, f"must be between {FIRST_DAY} and {LAST_DAY}")


def vdot_trend(
    session: Session, runner_id: int, first: date | None, last: date | None, period: str
) -> dict[str, Any]:
    _in_range(first, last)
    today = today_of(session, runner_id, None)
    last = last or today
    first = first or last - timedelta(days=DEFAULT_TREND_DAYS - 1)
    if first > last:
        raise invalid("query.from", "must not be after to")
    if (last - first).days + 1 > MAX_TREND_DAYS:
        raise invalid("query.from", f"at most {MAX_TREND_DAYS} days before to")
    days = trend.daily(session, runner_id, first, last)
    if period == "week":
        # A week's value is the trend on its last day (or on ``to`` in an unfinished week).
        points = []
        for day, value, count in days:
            if day.weekday() == 6 or day == last:
                monday = day - timedelta(days=day.weekday())
                points.append(
                    {
                        "date": max(monday, first).isoformat(),
                        "as_of": day.isoformat(),
                        "vdot": _round(value),
                        "runs": count,
                    }
                )
    else:
        points = [
            {"date": d.isoformat(), "as_of": d.isoformat(), "vdot": _round(v), "runs": n}
            for d, v, n in days
        ]
    # Today is usually the last day asked for: its value is already in hand.
    shown = {day: value for day, value, _ in days}
    current = shown[today] if today in shown else trend.on(session, runner_id, today)
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "period": period,
        "window_days": trend.WINDOW_DAYS,
        "current": {"date": today.isoformat(), "vdot": _round(current)},
        "points": points,
    }


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def _best_recent_effort(session: Session, runner_id: int, today: date) -> Fitness | None:
    """The effort of 1500 m or more of the last 12 weeks with the highest VDOT (as
    ``plans.fitness.recent_fitness``), read off the kept run VDOTs: one index range and one
    primary-key read, where walking the runner's efforts took most of a prediction's time."""
    since = today - timedelta(weeks=RECENT_WEEKS)
    row = session.execute(
        select(RunVdot.run_id, RunVdot.effort_distance, RunVdot.by_time)
        .where(
            RunVdot.runner_id == runner_id,
            RunVdot.day > since,
            RunVdot.day <= today,
            RunVdot.by_time.is_not(None),
        )
        .order_by(RunVdot.by_time.desc(), RunVdot.run_id)
        .limit(1)
    ).first()
    if row is None or row.effort_distance is None or row.by_time is None:
        return None
    effort = session.get(BestEffort, (row.run_id, row.effort_distance))
    if effort is None:
        return None
    return Fitness(row.by_time, effort.distance, effort.elapsed, effort.run_id, effort.start_time)


def race_predictions(session: Session, runner_id: int) -> dict[str, Any]:
    today = today_of(session, runner_id, None)
    current = trend.on(session, runner_id, today)
    best = _best_recent_effort(session, runner_id, today)

    def predict(distance: float) -> dict[str, Any]:
        return {
            "vdot_time": None if current is None else round(predictions.by_vdot(current, distance)),
            "riegel_time": None
            if best is None
            else round(predictions.riegel(best.elapsed, best.distance, distance)),
        }

    race = session.scalars(
        select(Race)
        .where(Race.runner_id == runner_id, Race.date >= today)
        .order_by(Race.date, Race.id)
        .limit(1)
    ).first()
    return {
        "date": today.isoformat(),
        "vdot": _round(current),
        "riegel_from": None if best is None else {**best.as_dict(), "vdot": round(best.vdot, 1)},
        "predictions": [
            {"distance": distance, "label": label, **predict(distance)}
            for distance, label in predictions.DISTANCES
        ],
        "next_race": None
        if race is None
        else {
            "id": race.id,
            "name": race.name,
            "date": race.date.isoformat(),
            "distance": race.distance,
            "goal_time": race.goal_time,
            **predict(race.distance),
        },
    }


def marathon_readiness(session: Session, runner_id: int) -> dict[str, Any]:
    today = today_of(session, runner_id, None)
    current = trend.on(session, runner_id, today)
    if current is None:
        return {"date": today.isoformat(), "shape": None}
    since = today - timedelta(days=shape.DAYS_FOR_WEEK_KM - 1)
    rows = session.execute(
        select(Run.id, Run.start_local, Run.distance).where(
            Run.runner_id == runner_id,
            Run.start_local >= midnight(since),
            Run.start_local < midnight(today + timedelta(days=1)),
            *counted_conditions(),
        )
    )
    distances = [shape.RunDistance(i, start.date(), d / 1000) for i, start, d in rows]
    first = session.scalar(
        select(func.min(Run.start_local)).where(Run.runner_id == runner_id, *counted_conditions())
    )
    answer = shape.marathon_shape(current, distances, today, first.date() if first else None)
    return {"date": today.isoformat(), "shape": answer}


def _hr_profile(session: Session, runner_id: int) -> tuple[int | None, int | None]:
    row = session.execute(select(User.max_hr, User.rest_hr).where(User.id == runner_id)).one()
    return row[0], row[1]


def _heart_rate_series(session: Session, run_id: int) -> tuple[str, list[float], list[Any]] | None:
    """(source, times, heart rates) from the run's Strava stream or file track; None when
    neither carries a heart rate."""
    data = session.scalar(select(RunStream.data).where(RunStream.run_id == run_id))
    if data is not None:
        streams = decode(data)
        if streams.get("heartrate") and streams.get("time"):
            return "stream", streams["time"], streams["heartrate"]
    points = session.scalar(select(RunTrack.points).where(RunTrack.run_id == run_id))
    if points and any(p[4] is not None for p in points if len(p) > 4):
        times = [float(p[0] or 0) for p in points]  # a stored track's time is always set
        return "track", times, [p[4] if len(p) > 4 else None for p in points]
    return None


def run_fitness(session: Session, runner_id: int, run_id: int) -> dict[str, Any]:
    run = runs.get_run(session, runner_id, run_id)
    row = session.get(RunVdot, run.id)
    vdot = None
    if row is not None:
        vdot = {
            "vdot": round(row.vdot, 1),
            "by_time": _round(row.by_time),
            "effort_distance": row.effort_distance,
            "by_heart_rate": _round(row.by_hr),
            "factor": round(row.factor, 3),
            "method": "heart_rate" if row.by_hr is not None else "best_effort",
        }
    return {"run_id": run.id, "vdot": vdot, "heart_rate_zones": _run_zones(session, run)}


def _run_zones(session: Session, run: Run) -> dict[str, Any]:
    max_hr, rest_hr = _hr_profile(session, run.runner_id)
    if not max_hr or not rest_hr or rest_hr >= max_hr:
        return {"missing": "profile", "source": None, "seconds_with_hr": None, "zones": None}
    bounds = zones.bounds(max_hr, rest_hr)
    series = _heart_rate_series(session, run.id)
    if series is None:
        return {
            "missing": "heart_rate",
            "source": None,
            "seconds_with_hr": None,
            "zones": zones.describe(bounds, None),
        }
    source, times, rates = series
    seconds = zones.time_in_zones(times, rates, bounds)
    return {
        "missing": None,
        "source": source,
        "seconds_with_hr": round(sum(seconds), 1),
        "zones": zones.describe(bounds, seconds),
    }


def weekly_zones(
    session: Session, runner_id: int, first: date | None, last: date | None
) -> dict[str, Any]:
    _in_range(first, last)
    today = today_of(session, runner_id, None)
    last = last or today
    last_monday = last - timedelta(days=last.weekday())
    first = first or last_monday - timedelta(weeks=DEFAULT_ZONE_WEEKS - 1)
    first_monday = first - timedelta(days=first.weekday())
    if first > last:
        raise invalid("query.from", "must not be after to")
    weeks = (last_monday - first_monday).days // 7 + 1
    if weeks > MAX_ZONE_WEEKS:
        raise invalid("query.from", f"at most {MAX_ZONE_WEEKS} weeks before to")
    max_hr, rest_hr = _hr_profile(session, runner_id)
    mondays = [first_monday + timedelta(weeks=i) for i in range(weeks)]
    if not max_hr or not rest_hr or rest_hr >= max_hr:
        return {
            "from": first_monday.isoformat(),
            "to": (last_monday + timedelta(days=6)).isoformat(),
            "missing": "profile",
            "zones": None,
            "weeks": [],
        }
    bounds = zones.bounds(max_hr, rest_hr)
    totals = {m: [0.0] * 6 for m in mondays}
    with_hr = dict.fromkeys(mondays, 0)
    without_hr = dict.fromkeys(mondays, 0)
    rows = session.execute(
        select(Run.id, Run.start_local).where(
            Run.runner_id == runner_id,
            Run.start_local >= midnight(first_monday),
            Run.start_local < midnight(last_monday + timedelta(days=7)),
            *counted_conditions(),
        )
    )
    for run_id, start in rows:
        monday = start.date() - timedelta(days=start.weekday())
        series = _heart_rate_series(session, run_id)
        if series is None:
            without_hr[monday] += 1
            continue
        with_hr[monday] += 1
        seconds = zones.time_in_zones(series[1], series[2], bounds)
        totals[monday] = [a + b for a, b in zip(totals[monday], seconds, strict=True)]
    return {
        "from": first_monday.isoformat(),
        "to": (last_monday + timedelta(days=6)).isoformat(),
        "missing": None,
        "zones": zones.describe(bounds, None),
        "weeks": [
            {
                "week": m.isoformat(),
                "seconds": [round(s, 1) for s in totals[m]],
                "runs_with_hr": with_hr[m],
                "runs_without_hr": without_hr[m],
            }
            for m in mondays
        ],
    }
