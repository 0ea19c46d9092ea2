"""The routes of a runner's heatmap: each counted run's stored polyline, as it is stored.

A run keeps its route already simplified (``Run.polyline``: Strava's summary polyline, or at
most ``imports.summary.POLYLINE_POINTS`` evenly spaced points of a file's track), so the
heatmap is one index range over the runner's runs and the strings as they are: no point is
decoded here, and the browser draws them (decision 63).  Private runs are the owner's own
and are drawn; excluded runs and runs merged into another are not (``runs.counted``): a
merged pair is the same route, drawn once through its kept run.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import extract, func, select
from sqlalchemy.orm import Session

from dataservice.runs.counted import counted
from dataservice.runs.models import Run

# The years a runner's local calendar can name (as the month views accept).
FIRST_YEAR, LAST_YEAR = 1970, 2100


def heatmap(
    session: Session, runner_id: int, year: int | None, sport: str | None
) -> dict[str, Any]:
    """The routes of the runner's counted runs in ``year`` (of their local start) and of
    ``sport``, either or both left out for all; with the years and sports there are to
    choose from."""
    mine = [Run.runner_id == runner_id, *counted()]
    chosen = list(mine)
    if year is not None:
        chosen += [
            Run.start_local >= datetime(year, 1, 1),
            Run.start_local < datetime(year + 1, 1, 1),
        ]
    if sport is not None:
        chosen.append(Run.sport_type == sport)
    routes: list[str] = []
    distance = 0.0
    runs = 0
    rows = session.execute(
        select(Run.polyline, Run.distance).where(*chosen).order_by(Run.start_time, Run.id)
    )
    for polyline, run_distance in rows:
        runs += 1
        if polyline:
            routes.append(polyline)
            distance += run_distance
    with_route = [*mine, Run.polyline.is_not(None), Run.polyline != ""]
    year_of = extract("year", Run.start_local)
    years = session.scalars(select(year_of).where(*with_route).group_by(year_of).order_by(year_of))
    sports = session.scalars(
        select(Run.sport_type)
        .where(*with_route)
        .group_by(Run.sport_type)
        .order_by(func.count().desc(), Run.sport_type)
    )
    return {
        "year": year,
        "sport": sport,
        "runs": runs,
        "routes": routes,
        "distance": round(distance, 1),
        "years": [int(y) for y in years],
        "sports": list(sports),
    }
