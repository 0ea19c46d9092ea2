"""Which run did which workout: pure, no database (docs/decisions.md, 30).

A workout is matched by a run on the same local day or a neighbouring one (a Saturday long
run done on Sunday still counts), kind-compatible: a long run or a race only by a run at
least half as long as planned, a rest day by no run at all.  Each run does at most one
workout and each workout is done by at most one run; same-day pairs go first, then long
runs and races (the workouts a runner moves most), then the closest in distance.

A matched workout is ``done`` when the run covered at least 90 % of what was planned (of
the distance, else of the duration), ``partly_done`` below; an unmatched one is
``missed`` once its day is over, ``planned`` until then; ``skipped`` when the runner said so.
Matching is derived on every read, so an edited, excluded or deleted run changes it at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

DONE_SHARE = 0.9
COMPATIBLE_SHARE = 0.5  # of a long run's or a race's distance
NEIGHBOUR_DAYS = 1
FIRST_KINDS = ("race", "long")


@dataclass(frozen=True)
class PlannedWorkout:
    id: int
    date: date
    kind: str
    distance: float | None
    duration: int | None
    skipped: bool = False


@dataclass(frozen=True)
class DoneRun:
    id: int
    day: date  # the run's local day
    distance: float
    moving_time: int


@dataclass(frozen=True)
class Outcome:
    status: str  # done, partly_done, missed, planned, skipped
    run: DoneRun | None


def compatible(item: PlannedWorkout, run: DoneRun) -> bool:
    if item.kind == "rest" or item.skipped:
        return False
    if abs((run.day - item.date).days) > NEIGHBOUR_DAYS:
        return False
    if item.kind in FIRST_KINDS and item.distance:
        return run.distance >= COMPATIBLE_SHARE * item.distance
    return True


def match(
    workouts: Sequence[PlannedWorkout], runs: Iterable[DoneRun], today: date
) -> dict[int, Outcome]:
    """Each workout's outcome by id; deterministic whatever the order of the inputs."""
    pairs = []
    for item in workouts:
        for run in runs:
            if compatible(item, run):
                gap = abs((run.day - item.date).days)
                first = 0 if item.kind in FIRST_KINDS else 1
                planned = item.distance or 0
                pairs.append((gap, first, abs(run.distance - planned), item.id, run.id, item, run))
    pairs.sort(key=lambda p: p[:5])
    matched: dict[int, DoneRun] = {}
    used: set[int] = set()
    for *_, item, run in pairs:
        if item.id not in matched and run.id not in used:
            matched[item.id] = run
            used.add(run.id)
    return {item.id: _outcome(item, matched.get(item.id), today) for item in workouts}


def _outcome(item: PlannedWorkout, run: DoneRun | None, today: date) -> Outcome:
    if item.skipped:
        return Outcome("skipped", None)
    if run is None:
        if item.kind == "rest" or item.date >= today:
            return Outcome("planned", None)
        return Outcome("missed", None)
    if item.distance:
        share = run.distance / item.distance
    elif item.duration:
        share = run.moving_time / item.duration
    else:
        share = 1.0
    return Outcome("done" if share >= DONE_SHARE else "partly_done", run)
