"""Each run's load and each runner's days, kept in ``run_loads`` and ``training_days`` and
brought up to date in the transaction of every change (``runs.changed``).

A refresh reads the runner's runs (one indexed read of a few columns), compares each
with what its stored load was computed from (``basis``: the run's figures, whether it has
a heart-rate stream or track, the profile's heart rates and threshold), computes the loads
that changed only (a stream is decoded only for those), and rewrites the days from the
earliest one whose load changed onward: fitness and fatigue before it are unchanged, so
the day before seeds the rest.  A change of the profile's heart rates or threshold
changes every basis, so every load and every day follows, by the same path.

When the transaction says which runs it changed (``runs.changed.changes``: ORM writes and
the bulk upsert do) and the profile is the one the stored loads were computed with, only
those runs are read, with the stored days and loads of the days they left or reached; the
loads are read from the earliest day that changed on only.  Anything else (a Core write
that names no run, a profile change, a run gone with its load whose day is unknown)
takes the whole path above.

Stored days run from the runner's first day with a load to their last; later days only
decay and are computed on read (:func:`series`).  Only runs that count (``runs.counted``)
feed the days; every run has its load, shown with it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, inspect, select, update
from sqlalchemy.orm import Session

from dataservice.kept import store_each
from dataservice.runs import streams
from dataservice.runs.fast_insert import among, insert_many
from dataservice.runs.models import Run, RunStream, RunTrack
from dataservice.training import daily, load
from dataservice.training.models import RunLoad, TrainingDay
from dataservice.users.models import User
from runnerly_common.db import Database

# Core tables: a batch of 1,000 runs writes 1,000 loads and up to three years of days,
# through COPY on PostgreSQL (the ORM's bulk insert cost more than computing them).
_LOADS = cast(Table, RunLoad.__table__)
_DAYS = cast(Table, TrainingDay.__table__)
PROFILE_FIELDS = ("max_hr", "rest_hr", "threshold_pace", "vo2max")
REASONS = {
    "no_hr_sport": "no heart rate, and pace does not say how hard this sport was",
    "no_threshold": (
        "no heart rate with max and resting heart rate in the profile, and no threshold "
        "pace or VO2max in the profile"
    ),
}


@dataclass(frozen=True)
class Profile:
    max_hr: int | None  # both None unless both are set and max is above rest
    rest_hr: int | None
    threshold_pace: float | None  # s/km: the runner's, else Daniels' T from VO2max
    threshold_from: str | None  # "profile" or "vo2max"

    @classmethod
    def of(cls, user: User | Any) -> Profile:
        max_hr, rest_hr = user.max_hr, user.rest_hr
        if not (max_hr and rest_hr and max_hr > rest_hr):
            max_hr = rest_hr = None
        if user.threshold_pace:
            return cls(max_hr, rest_hr, float(user.threshold_pace), "profile")
        if user.vo2max:
            return cls(max_hr, rest_hr, load.threshold_from_vdot(user.vo2max), "vo2max")
        return cls(max_hr, rest_hr, None, None)

    @property
    def key(self) -> str:
        return f"{self.max_hr}/{self.rest_hr}/{self.threshold_pace}"


def profile_changed(user: User) -> bool:
    """Whether a change to ``user`` changes their loads (``runs.changed`` touches them)."""
    state = inspect(user)
    return any(state.attrs[name].history.has_changes() for name in PROFILE_FIELDS)


_RUN_COLUMNS = (
    Run.id,
    Run.start_local,
    Run.moving_time,
    Run.distance,
    Run.average_hr,
    Run.sport_type,
    Run.excluded,
    Run.merged_into,
    RunStream.points,
    func.length(RunStream.data),
    RunTrack.run_id,
)


def _runs(session: Session, runner_id: int, ids: list[int] | None = None) -> Iterator[Any]:
    query = (
        select(*_RUN_COLUMNS)
        .outerjoin(RunStream, RunStream.run_id == Run.id)
        .outerjoin(RunTrack, RunTrack.run_id == Run.id)
        .where(Run.runner_id == runner_id)
    )
    yield from session.execute(query if ids is None else query.where(among(session, Run.id, ids)))


def basis(row: Any, profile: Profile) -> str:
    """What a run's load is computed from, as a string to compare."""
    stream = f"{row[8]}:{row[9]}" if row[9] else "-"
    return (
        f"{row.moving_time}|{row.distance}|{row.average_hr}|{row.sport_type}|{stream}|"
        f"{'t' if row[10] is not None else '-'}|{profile.key}"
    )


def _hr_samples(session: Session, row: Any) -> tuple[list[float], list[Any]] | None:
    stream = None
    if row[9]:
        stream = session.scalar(select(RunStream.data).where(RunStream.run_id == row.id))
    samples = _stream_samples(stream)
    if samples is None and row[10] is not None:
        samples = _track_samples(
            session.scalar(select(RunTrack.points).where(RunTrack.run_id == row.id))
        )
    return samples


def _stream_samples(data: bytes | None) -> tuple[list[float], list[Any]] | None:
    if data is not None:
        kept = streams.decode(data)
        if "heartrate" in kept and "time" in kept:
            return kept["time"], kept["heartrate"]
    return None


def _track_samples(points: list[list[Any]] | None) -> tuple[list[float], list[Any]] | None:
    if points and any(p[4] for p in points):
        # A stored track's time is always set (imports.track): `or` only types it.
        return [p[0] or 0.0 for p in points], [p[4] for p in points]
    return None


def run_load(session: Session, row: Any, profile: Profile) -> tuple[float | None, str]:
    """(load, method) of one run read by :func:`_runs` (the tests' reference; a refresh
    computes many at once with :func:`run_loads`)."""
    heart_rate = profile.max_hr is not None and profile.rest_hr is not None
    return _load(row, profile, _hr_samples(session, row) if heart_rate else None)


# Runs whose streams (or tracks) one statement reads: a stream is up to tens of kilobytes,
# so a profile change over years of runs holds a chunk of them at a time, not all.
SAMPLES_PER_READ = 200


def run_loads(
    session: Session, rows: list[Any], profile: Profile
) -> Iterator[tuple[float | None, str]]:
    """(load, method) of each of ``rows`` (read by :func:`_runs`), in their order, as
    :func:`run_load` gives it: their streams, then the tracks of those whose stream has no
    heart rate, read a chunk of runs per statement, not one statement a run (a change of
    profile recomputes every run's load)."""
    heart_rate = profile.max_hr is not None and profile.rest_hr is not None
    for start in range(0, len(rows), SAMPLES_PER_READ):
        chunk = rows[start : start + SAMPLES_PER_READ]
        samples: dict[int, tuple[list[float], list[Any]] | None] = {}
        if heart_rate:
            samples = _read_samples(session, chunk)
        for row in chunk:
            yield _load(row, profile, samples.get(row.id))


def _read_samples(
    session: Session, rows: list[Any]
) -> dict[int, tuple[list[float], list[Any]] | None]:
    """The heart-rate samples of each of ``rows`` that has some, by run id."""
    with_stream = [row.id for row in rows if row[9]]
    found: dict[int, tuple[list[float], list[Any]] | None] = {}
    if with_stream:
        found = {
            run_id: _stream_samples(data)
            for run_id, data in session.execute(
                select(RunStream.run_id, RunStream.data).where(
                    among(session, RunStream.run_id, with_stream)
                )
            )
        }
    with_track = [row.id for row in rows if row[10] is not None and found.get(row.id) is None]
    if with_track:
        for run_id, points in session.execute(
            select(RunTrack.run_id, RunTrack.points).where(
                among(session, RunTrack.run_id, with_track)
            )
        ):
            found[run_id] = _track_samples(points)
    return found


def _load(
    row: Any, profile: Profile, samples: tuple[list[float], list[Any]] | None
) -> tuple[float | None, str]:
    """(load, method) of a run from its figures and heart-rate samples (None: it has none,
    or the profile has no heart rates)."""
    if profile.max_hr is not None and profile.rest_hr is not None:
        if samples is not None:
            value = load.trimp_of_samples(*samples, profile.max_hr, profile.rest_hr)
            if value is not None:
                return round(value, 1), "hr_stream"
        if row.average_hr and row.moving_time > 0:
            reserve = load.hrr(row.average_hr, profile.max_hr, profile.rest_hr)
            return round(load.trimp(row.moving_time / 60, reserve), 1), "hr_average"
    if row.sport_type not in load.PACED_SPORTS:
        return None, "no_hr_sport"
    if profile.threshold_pace is None or row.moving_time <= 0 or row.distance <= 0:
        return None, "no_threshold"
    value = load.pace_load(row.moving_time, row.distance, profile.threshold_pace)
    return round(value, 1), "pace"


def _lock_profile(session: Session, runner_id: int) -> Profile | None:
    user = session.execute(
        # FOR NO KEY UPDATE, as kept_records: waits for another refresh of this runner only.
        select(User.max_hr, User.rest_hr, User.threshold_pace, User.vo2max)
        .where(User.id == runner_id)
        .with_for_update(key_share=True)
    ).first()
    return None if user is None else Profile.of(user)


def refresh(session: Session, runner_id: int) -> None:
    """Bring the runner's run loads and days up to date (in the caller's transaction)."""
    from dataservice.runs.changed import changes  # it imports this module

    profile = _lock_profile(session, runner_id)
    if profile is None:  # the runner is gone, and their days with them
        return
    known = changes(session, runner_id)
    done = (
        known is not None
        and _same_profile(session, runner_id, profile)
        and _refresh_runs(session, runner_id, profile, known.run_ids, known.earliest)
    )
    if not done:
        _refresh_all(session, runner_id, profile)


def _same_profile(session: Session, runner_id: int, profile: Profile) -> bool:
    """Whether the stored loads were computed with ``profile`` (one row says: a change of
    profile rewrites them all); False without any, so that a runner never refreshed is."""
    one = session.scalar(select(RunLoad.basis).where(RunLoad.runner_id == runner_id).limit(1))
    return one is not None and one.endswith(f"|{profile.key}")


def _refresh_all(session: Session, runner_id: int, profile: Profile) -> None:
    stored = {
        r.run_id: r
        for r in session.execute(
            select(RunLoad.run_id, RunLoad.day, RunLoad.counted, RunLoad.load, RunLoad.basis).where(
                RunLoad.runner_id == runner_id
            )
        )
    }
    moved: list[dict[str, Any]] = []
    kept: list[tuple[date, bool, float | None]] = []
    recomputed: list[Any] = []
    for row in _runs(session, runner_id):
        day = row.start_local.date()
        counted = not row.excluded and row.merged_into is None
        old = stored.pop(row.id, None)
        if old is not None and old.basis == basis(row, profile):
            kept.append((day, counted, old.load))
            if (old.day, old.counted) != (day, counted):  # moved, excluded or merged
                moved.append({"key": row.id, "day": day, "counted": counted})
        else:
            recomputed.append(row)
            if old is not None:
                stored[row.id] = old  # its row goes, the new one comes
    rows = _new_loads(session, runner_id, profile, recomputed)
    kept.extend((r["day"], r["counted"], r["load"]) for r in rows)
    # Left in ``stored``: runs deleted (on PostgreSQL the foreign key's cascade took their
    # loads) and loads recomputed.
    _write_loads(session, list(stored), moved, rows)
    loads = daily_loads(kept)
    since = first_change(session, runner_id, loads)
    if since is not None:
        _rewrite_days(
            session, runner_id, since, loads, min(loads, default=None), max(loads, default=None)
        )


def _refresh_runs(
    session: Session,
    runner_id: int,
    profile: Profile,
    run_ids: Iterable[int],
    earliest: datetime | None,
) -> bool:
    """Refresh the loads of these runs only (the others stand, the profile being the
    same), and the days from the earliest one whose load changed: what is read is these
    runs, the days they left or reached, and the loads from that day on.  False (nothing
    written) when a run is gone with its load (PostgreSQL's cascade) and ``earliest``, the
    earliest start the changed runs had or have, is unknown: the day it left is."""
    ids = sorted(run_ids)
    stored = {
        r.run_id: r
        for r in session.execute(
            select(RunLoad.run_id, RunLoad.day, RunLoad.counted, RunLoad.load, RunLoad.basis).where(
                RunLoad.runner_id == runner_id, among(session, RunLoad.run_id, ids)
            )
        )
    }
    found = list(_runs(session, runner_id, ids))
    vanished = set(ids) - stored.keys() - {row.id for row in found}
    if vanished and earliest is None:
        return False
    touched = {r.day for r in stored.values()}  # the days a run left, and those it reached
    if vanished and earliest is not None:
        touched.add(earliest.date())
    moved: list[dict[str, Any]] = []
    replaced: list[int] = []
    recomputed: list[Any] = []
    for row in found:
        day = row.start_local.date()
        touched.add(day)
        counted = not row.excluded and row.merged_into is None
        old = stored.pop(row.id, None)
        if old is not None and old.basis == basis(row, profile):
            if (old.day, old.counted) != (day, counted):
                moved.append({"key": row.id, "day": day, "counted": counted})
            continue
        recomputed.append(row)
        if old is not None:
            replaced.append(row.id)
    rows = _new_loads(session, runner_id, profile, recomputed)
    _write_loads(session, [*stored, *replaced], moved, rows)  # ``stored``: runs deleted
    if not touched:
        return True
    counts = (RunLoad.runner_id == runner_id, RunLoad.counted.is_(True), RunLoad.load.is_not(None))
    near = daily_loads(
        session.execute(
            select(RunLoad.day, RunLoad.counted, RunLoad.load).where(
                *counts, among(session, RunLoad.day, sorted(touched), "date")
            )
        )
    )
    mine = TrainingDay.runner_id == runner_id
    were = {
        r.day: r.load
        for r in session.execute(
            select(TrainingDay.day, TrainingDay.load).where(
                mine, among(session, TrainingDay.day, sorted(touched), "date")
            )
        )
    }
    changed = [d for d in touched if abs(were.get(d, 0.0) - near.get(d, 0.0)) > 1e-9]
    first = session.scalar(select(RunLoad.day).where(*counts).order_by(RunLoad.day).limit(1))
    last = session.scalar(select(RunLoad.day).where(*counts).order_by(RunLoad.day.desc()).limit(1))
    old_first = session.scalar(
        select(TrainingDay.day).where(mine).order_by(TrainingDay.day).limit(1)
    )
    old_last = session.scalar(
        select(TrainingDay.day).where(mine).order_by(TrainingDay.day.desc()).limit(1)
    )
    if first is None or last is None or old_first is None or old_last is None:
        if first is not None or old_first is not None:
            changed.append(min(d for d in (first, old_first) if d is not None))
    else:
        for was, now in ((old_first, first), (old_last, last)):
            if was != now:
                changed.append(min(was, now))
    if vanished and earliest is not None:  # the day such a run left is no earlier
        changed.append(earliest.date())
    if not changed:
        return True
    since = min(changed)
    loads = daily_loads(
        session.execute(
            select(RunLoad.day, RunLoad.counted, RunLoad.load).where(
                *counts, RunLoad.day >= max(since, first or since)
            )
        )
    )
    _rewrite_days(session, runner_id, since, loads, first, last)
    return True


def _new_loads(
    session: Session, runner_id: int, profile: Profile, rows: list[Any]
) -> list[dict[str, Any]]:
    """The ``run_loads`` rows of these runs (read by :func:`_runs`), their loads computed
    now."""
    return [
        {
            "run_id": row.id,
            "runner_id": runner_id,
            "day": row.start_local.date(),
            "counted": not row.excluded and row.merged_into is None,
            "load": value,
            "method": method,
            "basis": basis(row, profile),
        }
        for row, (value, method) in zip(rows, run_loads(session, rows, profile), strict=True)
    ]


def _write_loads(
    session: Session, drop: list[int], moved: list[dict[str, Any]], rows: list[dict[str, Any]]
) -> None:
    """Delete the loads of ``drop``, move ``moved`` ({key: run id, day, counted}), insert
    ``rows``: three statements whatever the batch, not one a run."""
    if drop:
        session.execute(delete(RunLoad).where(among(session, RunLoad.run_id, drop)))
    if moved:
        session.execute(update(_LOADS).where(_LOADS.c.run_id == bindparam("key")), moved)
    insert_many(session, _LOADS, rows)


def first_change(session: Session, runner_id: int, loads: dict[date, float]) -> date | None:
    """The earliest day whose stored load is not ``loads``'s (a run added, changed, moved,
    excluded, merged or deleted, whichever way it went), or whose range of stored days
    is not ``loads``'s; None when every day stands."""
    stored = {
        r.day: r.load
        for r in session.execute(
            select(TrainingDay.day, TrainingDay.load).where(TrainingDay.runner_id == runner_id)
        )
    }
    changed = [
        day
        for day in stored.keys() | loads.keys()
        if abs(stored.get(day, 0.0) - loads.get(day, 0.0)) > 1e-9
    ]
    if stored and loads:
        for old, new in ((min(stored), min(loads)), (max(stored), max(loads))):
            if old != new:
                changed.append(min(old, new))
    elif stored or loads:
        changed.append(min(stored or loads))
    return min(changed) if changed else None


def daily_loads(runs: Iterable[tuple[date, bool, float | None]]) -> dict[date, float]:
    """The sum of the loads of the runs that count, per day (exact whatever the order)."""
    per_day: dict[date, list[float]] = defaultdict(list)
    for day, counted, value in runs:
        if counted and value is not None:
            per_day[day].append(value)
    return {day: math.fsum(values) for day, values in per_day.items()}


def _rewrite_days(
    session: Session,
    runner_id: int,
    since: date,
    loads: dict[date, float],
    first: date | None,
    last: date | None,
) -> None:
    """Rewrite the days from ``since`` on, the runner's loads running from ``first`` to
    ``last`` (None: there is none) and ``loads`` holding at least those from ``since``."""
    mine = TrainingDay.runner_id == runner_id
    if first is None or last is None:
        session.execute(delete(TrainingDay).where(mine))
        return
    session.execute(
        delete(TrainingDay).where(
            mine, (TrainingDay.day >= since) | (TrainingDay.day < first) | (TrainingDay.day > last)
        )
    )
    start = max(since, first)
    if start > last:
        return
    before = session.execute(
        select(TrainingDay.day, TrainingDay.fitness, TrainingDay.fatigue)
        .where(mine, TrainingDay.day < start)
        .order_by(TrainingDay.day.desc())
        .limit(1)
    ).first()
    fitness = fatigue = 0.0
    if before is not None:
        gap = (start - before.day).days - 1
        fitness, fatigue = daily.decayed(before.fitness, before.fatigue, gap)
    insert_many(
        session,
        _DAYS,
        [
            {
                "runner_id": runner_id,
                "day": d.day,
                "load": d.load,
                "fitness": d.fitness,
                "fatigue": d.fatigue,
                "form": d.form,
            }
            for d in daily.days(start, last, loads, fitness, fatigue)
        ],
    )


def compute(session: Session, runner_id: int) -> list[daily.Day]:
    """The runner's days from scratch, from every run (the tests' reference)."""
    user = session.get(User, runner_id)
    if user is None:
        return []
    profile = Profile.of(user)
    loads = daily_loads(
        (
            row.start_local.date(),
            not row.excluded and row.merged_into is None,
            run_load(session, row, profile)[0],
        )
        for row in _runs(session, runner_id)
    )
    if not loads:
        return []
    return list(daily.days(min(loads), max(loads), loads))


def stored_days(session: Session, runner_id: int) -> list[daily.Day]:
    return [
        daily.Day(r.day, r.load, r.fitness, r.fatigue, r.form)
        for r in session.execute(
            select(
                TrainingDay.day,
                TrainingDay.load,
                TrainingDay.fitness,
                TrainingDay.fatigue,
                TrainingDay.form,
            )
            .where(TrainingDay.runner_id == runner_id)
            .order_by(TrainingDay.day)
        )
    ]


def series(session: Session, runner_id: int, first: date, last: date) -> list[daily.Day]:
    """Every day from ``first`` to ``last``: stored days, zeros before the runner's first
    load, decay after their last.  One range read of the primary key, plus one row."""
    mine = TrainingDay.runner_id == runner_id
    columns = (
        TrainingDay.day,
        TrainingDay.load,
        TrainingDay.fitness,
        TrainingDay.fatigue,
        TrainingDay.form,
    )
    found = {
        r.day: daily.Day(*r)
        for r in session.execute(
            select(*columns).where(mine, TrainingDay.day >= first, TrainingDay.day <= last)
        )
    }
    latest = None
    if not found or max(found) < last:  # days after the last stored one decay from it
        row = session.execute(
            select(*columns)
            .where(mine, TrainingDay.day <= last)
            .order_by(TrainingDay.day.desc())
            .limit(1)
        ).first()
        latest = None if row is None else daily.Day(*row)
    answer = []
    day = first
    while day <= last:
        if day in found:
            answer.append(found[day])
        elif latest is not None and day > latest.day:
            gap = (day - latest.day).days
            fitness, fatigue = daily.decayed(latest.fitness, latest.fatigue, gap)
            before = daily.decayed(latest.fitness, latest.fatigue, gap - 1)
            answer.append(daily.Day(day, 0.0, fitness, fatigue, before[0] - before[1]))
        else:
            answer.append(daily.Day(day, 0.0, 0.0, 0.0, 0.0))
        day += timedelta(days=1)
    return answer


def loads_of(session: Session, run_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Each run's load as a run's JSON shows it."""
    if not run_ids:
        return {}
    return {
        run_id: {
            "value": value,
            "method": method if value is not None else None,
            "reason": REASONS.get(method),
        }
        for run_id, value, method in session.execute(
            select(RunLoad.run_id, RunLoad.load, RunLoad.method).where(RunLoad.run_id.in_(run_ids))
        )
    }


def store(db: Database, runner_ids: Iterable[int]) -> int:
    """Refresh these runners, one short transaction each (``dataservice migrate``, a load
    by COPY); how many."""
    return store_each(db, runner_ids, refresh)


def missing(session: Session) -> list[int]:
    """Runners with a run whose load is not stored."""
    return list(
        session.scalars(
            select(Run.runner_id)
            .outerjoin(RunLoad, RunLoad.run_id == Run.id)
            .where(RunLoad.run_id.is_(None))
            .distinct()
            .order_by(Run.runner_id)
        )
    )


def rounded(days: Iterable[daily.Day], places: int = 6) -> list[tuple[Any, ...]]:
    """Days as tuples rounded to ``places``: an incremental update and a recomputation
    add the same numbers in another order, equal to far below what is shown."""
    return [
        (d.day, *(round(v, places) for v in (d.load, d.fitness, d.fatigue, d.form))) for d in days
    ]
