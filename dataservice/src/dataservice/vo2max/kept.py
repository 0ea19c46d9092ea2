"""Each run's VDOT, kept in ``run_vdots`` and rewritten on write.

The refresher (:mod:`dataservice.runs.changed`) computes the VDOT of every counted running
run of a touched runner from their best efforts, heart rates and profile, and writes only
the rows that differ: an added run is one insert, an edited one an update, a run gone or no
longer counted a delete.  Only the changed runs are computed when the transaction knows
them (:func:`dataservice.runs.changed.changes`) and the correction factor, which reads the
runner's races alone, is the one the stored rows carry; a race that moves the factor moves
every run's VDOT, and then all of them are computed, as they are after a change of the
runner's max or resting heart rate (:func:`watch_profiles`).

The dataservice's tests check after every test that the stored rows equal fresh ones.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, event, exists, inspect, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from dataservice.kept import store_each
from dataservice.runs.changed import changes, touch
from dataservice.runs.counted import counted
from dataservice.runs.efforts import RUNNING_SPORTS
from dataservice.runs.fast_insert import among, insert_many
from dataservice.runs.models import BestEffort, Run
from dataservice.users.models import User
from dataservice.vo2max import estimate
from dataservice.vo2max.models import RunVdot
from runnerly_common.db import Database

_TABLE = cast(Table, RunVdot.__table__)
COLUMNS = ("day", "duration", "vdot", "by_time", "effort_distance", "by_hr", "factor")
PROFILE_FIELDS = ("max_hr", "rest_hr")


def _figures(
    session: Session, runner_id: int, max_hr: int | None, *where: Any
) -> dict[int, tuple[datetime, int, estimate.RunFigures]]:
    """{run_id: (start, moving, figures)} of the runner's counted running runs ``where``."""
    runs = session.execute(
        select(
            Run.id, Run.start_local, Run.distance, Run.moving_time, Run.average_hr,
            Run.workout_type,
        ).where(Run.runner_id == runner_id, Run.sport_type.in_(RUNNING_SPORTS), *counted(), *where)
    ).all()  # fmt: skip
    efforts: dict[int, list[tuple[int, float]]] = {}
    effort_distance: int
    elapsed: float
    wanted = [among(session, BestEffort.run_id, [r[0] for r in runs])] if where else []
    for run_id, effort_distance, elapsed in session.execute(
        select(BestEffort.run_id, BestEffort.distance, BestEffort.elapsed).where(
            BestEffort.runner_id == runner_id,
            BestEffort.distance >= estimate.SHORTEST_EFFORT,
            *wanted,
        )
    ):
        efforts.setdefault(run_id, []).append((effort_distance, elapsed))
    answer: dict[int, tuple[datetime, int, estimate.RunFigures]] = {}
    for run_id, start, distance, moving, average_hr, workout_type in runs:
        best = estimate.by_time(efforts.get(run_id, ()))
        answer[run_id] = (
            start,
            moving,
            estimate.RunFigures(
                run_id=run_id,
                by_time=None if best is None else best[0],
                effort_distance=None if best is None else best[1],
                by_hr=estimate.by_heart_rate(distance, moving, average_hr, max_hr),
                is_race=workout_type == "race",
            ),
        )
    return answer


def _rows(
    figures: dict[int, tuple[datetime, int, estimate.RunFigures]], factor: float
) -> dict[int, dict[str, Any]]:
    answer: dict[int, dict[str, Any]] = {}
    for run_id, (start, moving, f) in figures.items():
        value = estimate.run_vdot(f, factor)
        if value is None:
            continue
        answer[run_id] = {
            "day": start.date(),
            "duration": int(moving),
            "vdot": value,
            "by_time": f.by_time,
            "effort_distance": f.effort_distance,
            "by_hr": f.by_hr,
            "factor": factor if f.by_hr is not None else 1.0,
        }
    return answer


def compute(session: Session, runner_id: int) -> dict[int, dict[str, Any]]:
    """The runner's run VDOTs as their data is now: {run_id: row values}."""
    max_hr = session.scalar(select(User.max_hr).where(User.id == runner_id))
    figures = _figures(session, runner_id, max_hr)
    factor = estimate.correction_factor([f for _s, _m, f in figures.values()])
    return _rows(figures, factor)


def compute_changed(
    session: Session, runner_id: int, run_ids: Collection[int]
) -> dict[int, dict[str, Any]] | None:
    """The fresh rows of the changed runs ``run_ids`` when every other run's row stays as
    stored ({run_id: values}, a run without one has none); None when the correction factor
    changed (or may have): every run's row may then change."""
    max_hr = session.scalar(select(User.max_hr).where(User.id == runner_id))
    # The factor reads the races only; the changed runs come with them in one read.
    figures = _figures(
        session, runner_id, max_hr, or_(Run.workout_type == "race", among(session, Run.id, run_ids))
    )
    factor = estimate.correction_factor([f for _s, _m, f in figures.values()])
    if max_hr is not None:  # without it no run has a heart-rate estimate: no factor applies
        old = session.execute(
            select(RunVdot.factor)
            .where(
                RunVdot.runner_id == runner_id,
                RunVdot.by_hr.is_not(None),
                ~among(session, RunVdot.run_id, run_ids),
            )
            .limit(1)
        ).scalar_one_or_none()
        if old is None:
            # No unchanged row shows the factor; an unchanged run with a heart rate but no
            # row (its corrected figure outside a human range) might gain one with a new one.
            hidden = session.execute(
                select(Run.id)
                .where(
                    Run.runner_id == runner_id,
                    Run.sport_type.in_(RUNNING_SPORTS),
                    *counted(),
                    Run.average_hr.is_not(None),
                    ~among(session, Run.id, run_ids),
                    ~exists().where(RunVdot.run_id == Run.id),
                )
                .limit(1)
            ).first()
            if hidden is not None:
                return None
        elif old != factor:
            return None
    return _rows({r: figures[r] for r in run_ids if r in figures}, factor)


def stored(
    session: Session, runner_id: int, run_ids: Collection[int] | None = None
) -> dict[int, dict[str, Any]]:
    """The stored rows of the runner (of ``run_ids`` only, when given)."""
    only = [] if run_ids is None else [among(session, RunVdot.run_id, run_ids)]
    rows = session.execute(
        select(RunVdot.run_id, *(getattr(RunVdot, c) for c in COLUMNS)).where(
            RunVdot.runner_id == runner_id, *only
        )
    )
    return {row[0]: dict(zip(COLUMNS, row[1:], strict=True)) for row in rows}


def same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Equal, floats to a part in 10^9 (a database's float may round the last bit)."""
    for column in COLUMNS:
        x, y = a[column], b[column]
        if isinstance(x, float) and isinstance(y, float):
            if abs(x - y) > 1e-9 * max(1.0, abs(x)):
                return False
        elif x != y:
            return False
    return True


def refresh(session: Session, runner_id: int) -> None:
    """Bring the runner's stored run VDOTs to what their data gives now (in the caller's
    transaction; the records refresher before it has locked the runner's row): only the
    changed runs' rows when :func:`dataservice.runs.changed.changes` knows them and the
    correction factor stays, else all."""
    known = changes(session, runner_id)
    fresh = None if known is None else compute_changed(session, runner_id, known.run_ids)
    if fresh is None or known is None:
        fresh = compute(session, runner_id)
        kept = stored(session, runner_id)
    else:
        kept = stored(session, runner_id, known.run_ids)
    gone = [run_id for run_id in kept if run_id not in fresh]
    if gone:
        session.execute(delete(RunVdot).where(among(session, RunVdot.run_id, gone)))
    # Core statements, not ORM objects: a batch of 1,000 new runs is 1,000 rows, and the
    # unit of work spent more on them than computing them (nothing reads them as objects).
    added, changed = [], []
    for run_id, values in fresh.items():
        old = kept.get(run_id)
        if old is None:
            added.append({"run_id": run_id, "runner_id": runner_id, **values})
        elif not same(old, values):
            changed.append({"key": run_id, **values})
    insert_many(session, _TABLE, added)
    if changed:
        session.execute(
            update(_TABLE).where(_TABLE.c.run_id == bindparam("key")),
            changed,
        )


def watch_profiles(factory: sessionmaker[Session]) -> None:
    """Touch a runner whose max or resting heart rate changes: every estimate uses them."""

    def before_flush(session: Session, _context: Any, _instances: Any) -> None:
        for obj in session.dirty:
            if isinstance(obj, User) and obj.id is not None:
                state = inspect(obj)
                if any(state.attrs[f].history.has_changes() for f in PROFILE_FIELDS):
                    touch(session, [obj.id])

    event.listen(factory, "before_flush", before_flush)


def store(db: Database, runner_ids: Iterable[int]) -> int:
    """Compute and store these runners' run VDOTs, one transaction each (``dataservice
    migrate``, a load by COPY); how many runners."""
    return store_each(db, runner_ids, refresh)


def missing(session: Session) -> list[int]:
    """Runners with counted running runs and no stored run VDOT at all (a database from
    before revision 0018, or loaded by COPY)."""
    has_rows = exists().where(RunVdot.runner_id == User.id)
    has_runs = exists().where(
        Run.runner_id == User.id, Run.sport_type.in_(RUNNING_SPORTS), *counted()
    )
    return list(session.scalars(select(User.id).where(has_runs, ~has_rows).order_by(User.id)))
