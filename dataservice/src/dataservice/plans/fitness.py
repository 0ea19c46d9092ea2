"""The runner's current VDOT, from their recent best efforts.

Daniels reads fitness off a recent race; a training log holds something close: the best
efforts inside every run (``best_efforts``, at the record distances).  The highest VDOT of
the efforts of the last 12 weeks is the runner's current one.  Efforts shorter than
1500 m are left out: the formula is calibrated on races of 1500 m to the marathon, and a
400 m or 1 km stretch inside a run overstates endurance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dataservice.plans import vdot
from dataservice.plans.counting import counted_conditions
from dataservice.runs.models import RECORD_DISTANCES, BestEffort, Run

RECENT_WEEKS = 12
SHORTEST = 1500  # metres


@dataclass(frozen=True)
class Fitness:
    vdot: float
    distance: int  # metres of the effort it comes from
    elapsed: float  # seconds
    run_id: int
    start_time: datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "distance": self.distance,
            "elapsed": self.elapsed,
            "run_id": self.run_id,
            "start_time": self.start_time.isoformat(),
        }


def recent_fitness(session: Session, runner_id: int, today: date) -> Fitness | None:
    """The best VDOT among the efforts of running runs started in the last 12 weeks."""
    since = datetime.combine(today - timedelta(weeks=RECENT_WEEKS), time(), tzinfo=UTC)
    distances = [d for d in RECORD_DISTANCES if d >= SHORTEST]
    rows = session.execute(
        select(BestEffort.distance, BestEffort.elapsed, BestEffort.run_id, Run.start_time)
        .join(Run, Run.id == BestEffort.run_id)
        .where(
            BestEffort.runner_id == runner_id,
            BestEffort.distance.in_(distances),
            BestEffort.start_time >= since,
            *counted_conditions(),
        )
    )
    best: Fitness | None = None
    for distance, elapsed, run_id, start in rows:
        if elapsed <= 0:
            continue
        value = vdot.vdot(distance, elapsed)
        if best is None or value > best.vdot:
            best = Fitness(value, distance, elapsed, run_id, start)
    return best
