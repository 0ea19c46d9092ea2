"""Runs that are one effort: merged at import, at sync, by hand and by the one-off command;
split again by their runner.

A merged group keeps every row: one *kept* run, which counts and is shown, and the
*absorbed* ones (``merged_into`` = the kept run's id), which count nowhere
(``runs.counted``) and hold no best efforts.  The kept run is the Strava one when there is
one (it keeps its Strava id, so Strava's later edits and deletions still find it), else the
oldest file, else the oldest manual entry.  The richest source of the group (a stream, else
the track with the most points) gives the kept run's best efforts and its track; the kept
run shows the heart rate, elevation and route of an absorbed run when it has none itself.

Which runs are one effort is :mod:`dataservice.runs.duplicates`' rule.  A pair the runner
split apart is remembered (``run_splits``) and never merged again by the rule; merging by
hand forgets it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import BigInteger, any_, bindparam, delete, insert, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from dataservice.errors import conflict, invalid
from dataservice.runs.duplicates import WINDOW, Effort, pairs, window
from dataservice.runs.files import FIT, GPX, TCX
from dataservice.runs.models import BestEffort, Run, RunFile, RunSplit, RunTrack
from dataservice.runs.recompute import efforts_rows, measured_series, recompute_efforts

# Which run of a group is kept: Strava's first (its id keeps the sync in step), then files.
KEEP_ORDER = {"strava": 0, "file": 1, "manual": 2}
# What a kept run without it shows from an absorbed run.
FILLED = ("average_hr", "max_hr", "elevation_gain", "polyline")
# A file's format as the run page names it ("Merged from Strava and a GPX file").
FORMATS = {GPX: "gpx", TCX: "tcx", FIT: "fit"}


def _rank(run: Any) -> tuple[int, int]:
    return KEEP_ORDER.get(run.source, len(KEEP_ORDER)), run.id


def _ids_in(session: Session, column: Any, ids: Sequence[int]) -> ColumnElement[bool]:
    """``column IN ids``, as one array parameter on PostgreSQL (a batch holds 1,000)."""
    condition: ColumnElement[bool]
    if session.get_bind().dialect.name != "postgresql":
        condition = column.in_(ids)
    else:
        condition = column == any_(bindparam(None, list(ids), type_=ARRAY(BigInteger)))
    return condition


def effort_of(run: Any) -> Effort:
    """The duplicate rule's view of a Run (or a row with its columns)."""
    return Effort(
        id=run.id,
        start=run.start_time,
        elapsed_time=run.elapsed_time,
        moving_time=run.moving_time,
        distance=run.distance,
    )


# --- groups ----------------------------------------------------------------------------


def group_of(session: Session, run: Run) -> tuple[Run, list[Run]]:
    """The kept run of ``run``'s group and its absorbed runs (oldest first)."""
    kept = run if run.merged_into is None else session.get(Run, run.merged_into) or run
    absorbed = session.scalars(select(Run).where(Run.merged_into == kept.id).order_by(Run.id))
    return kept, list(absorbed)


def merge(session: Session, runs: Iterable[Run]) -> Run:
    """Make ``runs`` and the groups they belong to one group; returns its kept run."""
    members: dict[int, Run] = {}
    for run in runs:
        kept, absorbed = group_of(session, run)
        members.update((m.id, m) for m in (kept, *absorbed))
    kept = min(members.values(), key=_rank)
    for member in members.values():
        member.merged_into = None if member is kept else kept.id
    session.flush()
    refresh_efforts(session, kept.id, [m for m in members if m != kept.id])
    return kept


def refresh_efforts(session: Session, kept_id: int, absorbed_ids: Collection[int]) -> None:
    """The group's best efforts: none for the absorbed runs; the kept run's from its own
    stream or track, else from the richest absorbed one (a stream, else the most points)."""
    recompute_efforts(session, [kept_id, *absorbed_ids])
    series = measured_series(session, [kept_id, *absorbed_ids])
    if kept_id in series or not series:
        return
    richest = max(series.values(), key=lambda s: (s[2] == "stream", len(s[0])))
    columns = [getattr(Run, c) for c in _EFFORT_COLUMNS if hasattr(Run, c)]
    kept = session.execute(select(*columns).where(Run.id == kept_id)).one()
    rows = efforts_rows(dict(kept._mapping), richest, None)  # none when the runner excluded it
    session.execute(delete(BestEffort).where(BestEffort.run_id == kept_id))
    if rows:
        session.execute(insert(BestEffort), rows)


def refresh_group(session: Session, run: Run) -> None:
    """After a change to ``run`` recomputed its own efforts: when it is a kept run, its
    efforts come from its group's richest source again (one query for a run not merged)."""
    if run.merged_into is not None:
        return
    absorbed = session.scalars(select(Run.id).where(Run.merged_into == run.id)).all()
    if absorbed:
        refresh_efforts(session, run.id, absorbed)


_EFFORT_COLUMNS = (
    "id",
    "runner_id",
    "sport_type",
    "distance",
    "moving_time",
    "elapsed_time",
    "start_time",
    "excluded",
    "merged_into",
)


# --- detection -------------------------------------------------------------------------


def merge_duplicates(session: Session, runner_id: int, efforts: Sequence[Effort]) -> list[Run]:
    """Merge each of ``efforts`` (runs stored) with the runner's counted runs that are the
    same effort, except pairs split before; returns the kept runs of the groups made."""
    if not efforts:
        return []
    start = min(window(e)[0] for e in efforts)
    end = max(window(e)[1] for e in efforts)
    rows = session.execute(
        select(Run.id, Run.start_time, Run.elapsed_time, Run.moving_time, Run.distance).where(
            Run.runner_id == runner_id,
            Run.start_time >= start,
            Run.start_time <= end,
            Run.merged_into.is_(None),
        )
    )
    found = set(pairs((effort_of(row) for row in rows), among={e.id for e in efforts}))
    return merge_pairs(session, found)


def merge_pairs(session: Session, found: set[tuple[int, int]]) -> list[Run]:
    """Merge each connected set of ``found`` pairs (smaller id first) not split before."""
    found -= split_pairs(session, found)
    kept = []
    for ids in _components(found):
        # The pairs came from runs the session holds: each exists.
        kept.append(merge(session, [session.get_one(Run, run_id) for run_id in sorted(ids)]))
    return kept


def split_pairs(session: Session, found: Collection[tuple[int, int]]) -> set[tuple[int, int]]:
    """Which of ``found`` pairs their runner split apart."""
    if not found:
        return set()
    rows = session.execute(
        select(RunSplit.run_id, RunSplit.other_id).where(
            _ids_in(session, RunSplit.run_id, sorted({a for a, _ in found}))
        )
    )
    return {(a, b) for a, b in rows} & set(found)


def _components(found: Iterable[tuple[int, int]]) -> list[set[int]]:
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in found:
        parent[root(a)] = root(b)
    groups: dict[int, set[int]] = {}
    for x in parent:
        groups.setdefault(root(x), set()).add(x)
    return sorted(groups.values(), key=min)


def after_import(session: Session, run: Run) -> Run:
    """Merge a run just stored from a file with a run of the same effort; the run shown."""
    merge_duplicates(session, run.runner_id, [effort_of(run)])
    return group_of(session, run)[0]


def after_upsert(session: Session, runner_id: int, items: Sequence[Mapping[str, Any]]) -> int:
    """After ``addRuns`` stored ``items``: the groups they belong to keep their invariant
    (the upsert rewrote their efforts from Strava's), and each is merged with the runner's
    runs of the same effort.  Two queries when there is nothing to merge; returns how many
    groups were made."""
    if not items:
        return 0
    keys = {(item["source"], item["external_id"]) for item in items}
    slack = [timedelta(seconds=WINDOW * item["elapsed_time"] + 1) for item in items]
    start = min(item["start_time"] - s for item, s in zip(items, slack, strict=True))
    end = max(item["start_time"] + s for item, s in zip(items, slack, strict=True))
    rows = list(
        session.execute(
            select(
                Run.id,
                Run.source,
                Run.external_id,
                Run.start_time,
                Run.elapsed_time,
                Run.moving_time,
                Run.distance,
                Run.merged_into,
            ).where(Run.runner_id == runner_id, Run.start_time >= start, Run.start_time <= end)
        )
    )
    sent = [row for row in rows if (row.source, row.external_id) in keys]
    if not sent:
        return 0
    groups = {row.merged_into for row in sent if row.merged_into is not None}
    groups.update(
        session.scalars(
            select(Run.merged_into)
            .where(_ids_in(session, Run.merged_into, [row.id for row in sent]))
            .distinct()
        )
    )
    for kept_id in sorted(groups):
        absorbed = session.scalars(select(Run.id).where(Run.merged_into == kept_id)).all()
        refresh_efforts(session, kept_id, absorbed)
    counted = [effort_of(row) for row in rows if row.merged_into is None]
    found = set(pairs(counted, among={row.id for row in sent if row.merged_into is None}))
    return len(merge_pairs(session, found))


def merge_stored(session: Session, runner_id: int, *, dry_run: bool = False) -> dict[str, int]:
    """Merge the runner's duplicates already stored (``dataservice merge-duplicates``): one
    read of their counted runs, then one merge per group found."""
    rows = session.execute(
        select(Run.id, Run.start_time, Run.elapsed_time, Run.moving_time, Run.distance).where(
            Run.runner_id == runner_id, Run.merged_into.is_(None)
        )
    )
    found = set(pairs(effort_of(row) for row in rows))
    groups = _components(found - split_pairs(session, found))
    if not dry_run:
        merge_pairs(session, found)
    return {
        "runner_id": runner_id,
        "groups": len(groups),
        "absorbed": sum(len(group) - 1 for group in groups),
    }


# --- deletion --------------------------------------------------------------------------


@dataclass
class Released:
    """What a deletion of runs leaves to put right: their absorbed runs (which count again
    when their kept run goes: ``ON DELETE SET NULL``) and the kept runs of the deleted
    absorbed ones (whose efforts may have come from them)."""

    orphans: dict[int, list[int]] = field(default_factory=dict)
    kept: set[int] = field(default_factory=set)
    deleted: set[int] = field(default_factory=set)


def before_delete(session: Session, run_ids: Collection[int]) -> Released:
    """Read (never write: a bulk upsert may roll back and retry) what deleting ``run_ids``
    will release; pass it to :func:`after_delete` once they are gone."""
    released = Released(deleted=set(run_ids))
    if not run_ids:
        return released
    ids = sorted(run_ids)
    for run_id, kept_id in session.execute(
        select(Run.id, Run.merged_into).where(_ids_in(session, Run.merged_into, ids))
    ):
        if kept_id is not None:  # the IN above matched it: never None
            released.orphans.setdefault(kept_id, []).append(run_id)
    released.kept = set(
        session.scalars(
            select(Run.merged_into).where(
                _ids_in(session, Run.id, ids), Run.merged_into.is_not(None)
            )
        )
    )
    return released


def after_delete(session: Session, released: Released) -> None:
    """The absorbed runs of deleted kept runs count again (as one group among themselves
    when there were several: they are still one effort), with their own best efforts."""
    if not released.orphans and not released.kept:
        return
    session.expire_all()  # merged_into was set to NULL by the database, not by the session
    for orphans in released.orphans.values():
        left = [r for r in (session.get(Run, i) for i in orphans if i not in released.deleted) if r]
        for run in left:
            run.merged_into = None
        session.flush()
        recompute_efforts(session, [r.id for r in left])
        if len(left) > 1:
            merge(session, left)
    for kept_id in released.kept - released.deleted:
        if session.get(Run, kept_id) is not None:
            absorbed = session.scalars(select(Run.id).where(Run.merged_into == kept_id)).all()
            refresh_efforts(session, kept_id, absorbed)


def ids_of_keys(session: Session, runner_id: int, keys: Iterable[Mapping[str, str]]) -> list[int]:
    """The ids of the runner's runs named by (source, external_id) keys."""
    ids: list[int] = []
    for key in keys:
        ids.extend(
            session.scalars(
                select(Run.id).where(
                    Run.runner_id == runner_id,
                    Run.source == key["source"],
                    Run.external_id == key["external_id"],
                )
            )
        )
    return ids


# --- the runner's own merges and splits ------------------------------------------------


def merge_by_hand(session: Session, run: Run, other_id: int) -> Run:
    """Merge the run ``other_id`` (and its group) with ``run``'s group, whatever the rule
    says; pairs split before are forgotten.  422 naming ``body.run_id`` for the run itself
    or a run that is not this runner's (the same answer for one that does not exist)."""
    if other_id == run.id:
        raise invalid("body.run_id", "must be another run than this one", status=422)
    other = session.get(Run, other_id)
    if other is None or other.runner_id != run.runner_id:
        raise invalid("body.run_id", f"run {other_id} not found", status=422)
    members = {m.id for m in (*_flat(group_of(session, run)), *_flat(group_of(session, other)))}
    session.execute(
        delete(RunSplit).where(
            _ids_in(session, RunSplit.run_id, sorted(members)),
            _ids_in(session, RunSplit.other_id, sorted(members)),
        )
    )
    return merge(session, [run, other])


def split(session: Session, run: Run) -> list[Run]:
    """Take ``run`` out of its group (or, for the kept run, every absorbed run out of it):
    each counts again with its own efforts, and the pairs are remembered.  409 naming
    ``path.run_id`` for a run that is not merged.  Returns the runs now apart."""
    kept, absorbed = group_of(session, run)
    if not absorbed:
        raise conflict("path.run_id", "is not merged with another run")
    leaving = absorbed if run is kept else [run]
    members = [kept, *absorbed]
    for gone in leaving:
        gone.merged_into = None
    session.flush()
    known = split_pairs(
        session, {_pair(a.id, b.id) for a in leaving for b in members if a.id != b.id}
    )
    for a in leaving:
        for b in members:
            pair = _pair(a.id, b.id)
            if a.id != b.id and pair not in known:
                known.add(pair)
                session.add(RunSplit(run_id=pair[0], other_id=pair[1]))
    session.flush()
    remaining = [m.id for m in absorbed if m.merged_into == kept.id]
    recompute_efforts(session, [m.id for m in leaving])
    refresh_efforts(session, kept.id, remaining)
    return [kept, *leaving] if run is kept else [run, kept]


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def _flat(group: tuple[Run, list[Run]]) -> list[Run]:
    return [group[0], *group[1]]


# --- what the runner sees ---------------------------------------------------------------


def merged_from(session: Session, runs: Sequence[Run]) -> dict[int, dict[str, Any]]:
    """For each kept run of ``runs`` that absorbed others: ``merged_from`` (the group's runs,
    the kept one first, with their source and, for a file, its format) and the values it
    shows from them (heart rate, elevation, route) where it has none.  Two queries for a
    page of runs, none when it holds no merged run."""
    kept = [run for run in runs if run.merged_into is None]
    if not kept:
        return {}
    absorbed: dict[int, list[Any]] = {}
    for row in session.execute(
        select(Run.id, Run.source, Run.merged_into, *(getattr(Run, f) for f in FILLED))
        .where(_ids_in(session, Run.merged_into, [run.id for run in kept]))
        .order_by(Run.id)
    ):
        absorbed.setdefault(row.merged_into, []).append(row)
    if not absorbed:
        return {}
    groups = [run for run in kept if run.id in absorbed]
    ids = [r.id for run in groups for r in (run, *absorbed[run.id]) if r.source == "file"]
    formats = dict(
        session.execute(
            select(RunFile.run_id, RunFile.media_type).where(_ids_in(session, RunFile.run_id, ids))
        ).all()
        if ids
        else []
    )
    shown: dict[int, dict[str, Any]] = {}
    for run in groups:
        rows = sorted(absorbed[run.id], key=_rank)
        extra: dict[str, Any] = {
            "merged_from": [
                {"id": r.id, "source": r.source, "file_type": FORMATS.get(formats.get(r.id, ""))}
                for r in (run, *rows)
            ]
        }
        for name in FILLED:
            if getattr(run, name) is None:
                extra[name] = next((getattr(r, name) for r in rows if getattr(r, name)), None)
        shown[run.id] = extra
    return shown


def track_of(session: Session, run: Run) -> RunTrack | None:
    """The run's own track, else (a kept run) the absorbed run's with the most points."""
    if run.track is not None or run.merged_into is not None:
        return run.track
    tracks = session.scalars(
        select(RunTrack).join(Run, Run.id == RunTrack.run_id).where(Run.merged_into == run.id)
    ).all()
    return max(tracks, key=lambda t: (len(t.points), -t.run_id), default=None)
