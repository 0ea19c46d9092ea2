"""Idempotent bulk upsert of runs (the book's ``addRuns``).

One round trip finds which runs of the batch exist and with what content digest (of what
the source last sent: a runner's local edits do not change it); new runs and their best
efforts are inserted at once (COPY on PostgreSQL), changed ones updated in one executemany,
keeping the fields their runner edited (``runs.edits``), unchanged ones left alone.
Sending the same batch twice therefore writes nothing the second time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dataservice.gear import service as gear_service
from dataservice.runs import changed, edits
from dataservice.runs.fast_insert import (
    among,
    by_source,
    delete_by_keys,
    insert_many,
    one_of,
    reserve_ids,
)
from dataservice.runs.hashing import content_hash
from dataservice.runs.local_time import resolve
from dataservice.runs.models import BestEffort, DeletedActivity, Run, RunStream
from dataservice.runs.recompute import efforts_rows, measured_series
from dataservice.runs.serialize import FIELDS
from dataservice.users.service import runner_zone
from runnerly_common.db import utcnow

# A declarative class's __table__ is typed as any FromClause; these are Tables.
_RUNS = cast(Table, Run.__table__)
_BEST_EFFORTS = cast(Table, BestEffort.__table__)

# What a stream records: when Strava's summary changes one of them, the stream is stale.
_RECORDING = ("start_time", "distance", "moving_time", "elapsed_time")


@dataclass
class UpsertResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    skipped: int = 0  # runs their runner deleted: a sync does not bring them back
    # (id, Strava id) of the pairs of shoes made for Strava gear ids seen for the first time
    new_gear: list[tuple[int, str]] = field(default_factory=list)
    # The ids of the runs created and updated, and the local starts of the created ones
    # (runs.changed: their refreshers rewrite only what follows from them).
    written: list[int] = field(default_factory=list, repr=False)
    new_starts: list[Any] = field(default_factory=list, repr=False)

    def as_dict(self) -> dict[str, Any]:
        answer: dict[str, Any] = {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deleted": self.deleted,
            "skipped": self.skipped,
        }
        if self.new_gear:
            answer["new_gear"] = [{"id": i, "strava_id": s} for i, s in self.new_gear]
        return answer


def _row(
    runner_id: int, item: Mapping[str, Any], zone: str = "UTC"
) -> tuple[dict[str, Any], dict[int, float]]:
    provided = {int(e["distance"]): float(e["elapsed_time"]) for e in item.get("best_efforts", [])}
    row: dict[str, Any] = {field: item.get(field) for field in FIELDS}
    row.update(
        runner_id=runner_id,
        source=item["source"],
        external_id=item["external_id"],
        start_time=item["start_time"],
    )
    # The source's offset and zone, else the runner's ``zone`` (docs/decisions.md).
    local = resolve(
        item["start_time"],
        utc_offset=item.get("utc_offset"),
        timezone=item.get("timezone"),
        fallback_zone=zone,
    )
    row.update(start_local=local.start_local, utc_offset=local.utc_offset, timezone=local.timezone)
    row["title"] = row["title"] or "Run"
    row["sport_type"] = row["sport_type"] or "Run"
    # JSON Schema's "integer" admits 1800.0; the columns (and binary COPY) take 1800.
    row["moving_time"], row["elapsed_time"] = int(row["moving_time"]), int(row["elapsed_time"])
    # Strava's gear id is part of what the source sent (a new pair on Strava updates the
    # run) but not a column: the row gets the runner's pair in _write.  Hashed only when
    # present, so runs stored before gear was kept keep their digests.
    gear = item.get("strava_gear_id")
    row["content_hash"] = content_hash({**row, "strava_gear_id": gear} if gear else row, provided)
    row["gear_id"] = None  # the runner's pair for ``gear``: _write maps it
    return row, provided


def upsert_runs(
    session: Session,
    runner_id: int,
    items: Iterable[Mapping[str, Any]],
    deleted: Iterable[Mapping[str, str]] = (),
) -> UpsertResult:
    """Create, update (and delete) the runs of one runner; the caller commits (and nothing
    else may be pending in ``session``: a conflict rolls it back and tries once more)."""
    batch: dict[tuple[str, str], tuple[dict[str, Any], dict[int, float]]] = {}
    gear_of: dict[tuple[str, str], str] = {}  # Strava's gear id of each run sent with one
    zone = runner_zone(session, runner_id)
    for item in items:  # the last copy of a run repeated within one batch wins
        row, provided = _row(runner_id, item, zone)
        key = (row["source"], row["external_id"])
        batch[key] = (row, provided)
        gear_of.pop(key, None)
        if item.get("strava_gear_id"):
            gear_of[key] = item["strava_gear_id"]
    gone = {(d["source"], d["external_id"]) for d in deleted}
    refused = deleted_by_runner(session, runner_id, batch)
    for key in refused:
        del batch[key]
    try:
        result = _write(session, runner_id, batch, gear_of)
    except IntegrityError:
        # A concurrent upsert inserted some of these runs (or pairs) first: they exist now.
        session.rollback()
        result = _write(session, runner_id, batch, gear_of)
    result.deleted = delete_by_keys(session, Run, runner_id, gone)
    result.skipped = len(refused)
    if result.deleted:
        changed.touch(session, [runner_id])  # Core and COPY: no ORM event sees them
    elif result.created or result.updated:  # an update's former start is not read here
        starts = None if result.updated else result.new_starts
        changed.touch_runs(session, runner_id, result.written, starts)
    return result


def deleted_by_runner(
    session: Session, runner_id: int, keys: Iterable[tuple[str, str]]
) -> set[tuple[str, str]]:
    """The ``keys`` of runs the runner deleted (:func:`dataservice.runs.service.delete_run`)."""
    found: set[tuple[str, str]] = set()
    for source, external_ids in by_source(keys).items():
        rows = session.execute(
            select(DeletedActivity.external_id).where(
                DeletedActivity.runner_id == runner_id,
                DeletedActivity.source == source,
                one_of(session, DeletedActivity.external_id, external_ids),
            )
        )
        found.update((source, external_id) for (external_id,) in rows)
    return found


def _write(
    session: Session,
    runner_id: int,
    batch: dict[tuple[str, str], tuple[dict[str, Any], dict[int, float]]],
    gear_of: Mapping[tuple[str, str], str],
) -> UpsertResult:
    result = UpsertResult()
    _map_gear(session, runner_id, batch, gear_of, result)
    existing = _existing(session, runner_id, batch)
    new_rows, changed_rows, efforts = [], [], []
    edited: dict[int, list[str]] = {}  # the runner's edits, kept through the sync
    excluded: set[int] = set()
    for key, (row, _provided) in batch.items():
        found = existing.get(key)
        if found is None:
            new_rows.append(row)
        elif found[1] != row["content_hash"]:  # the digest of what the source last sent
            changed_rows.append({**row, "id": found[0], "updated_at": utcnow()})
            if found[2]:
                edited[found[0]] = found[2]
            if found[3]:
                excluded.add(found[0])
        else:
            result.unchanged += 1
    now = utcnow()
    if new_rows:
        for row in new_rows:
            row["created_at"] = row["updated_at"] = now
        _insert_new(session, runner_id, new_rows)
    if changed_rows:
        _drop_stale_streams(session, changed_rows, edited)
        edits.keep_local(session, changed_rows, edited)
        session.execute(
            update(Run),
            [{k: v for k, v in row.items() if k != "runner_id"} for row in changed_rows],
        )
        session.execute(
            delete(BestEffort).where(
                among(session, BestEffort.run_id, [row["id"] for row in changed_rows])
            )
        )
    # A changed run keeps what its stream measured: only the summary came again.
    series = measured_series(session, [row["id"] for row in changed_rows])
    for row in new_rows + changed_rows:
        if row["id"] in excluded:
            continue  # a run its runner excluded holds no best efforts (runs.counted)
        provided: dict[int, float] | None = batch[(row["source"], row["external_id"])][1]
        if edits.MEASURED.intersection(edited.get(row["id"], ())):
            provided = None  # Strava's efforts were measured on what the runner corrected
        efforts.extend(efforts_rows(row, series.get(row["id"]), provided))
    insert_many(session, _BEST_EFFORTS, efforts)
    result.created, result.updated = len(new_rows), len(changed_rows)
    result.written = [row["id"] for row in new_rows + changed_rows]
    result.new_starts = [row["start_local"] for row in new_rows]
    return result


def _map_gear(
    session: Session,
    runner_id: int,
    batch: Mapping[tuple[str, str], tuple[dict[str, Any], dict[int, float]]],
    gear_of: Mapping[tuple[str, str], str],
    result: UpsertResult,
) -> None:
    """Each row's Strava gear id to the runner's pair (made when new; none for a bike's).
    Here, in the transaction a conflict retries, so a retry makes the pairs again."""
    if not gear_of:
        return
    sent = [gear_of[key] for key in batch if key in gear_of]  # not a refused run's
    known, made = gear_service.map_strava(session, runner_id, sent)
    result.new_gear = made
    for key, (row, _provided) in batch.items():
        row["gear_id"] = known.get(gear_of.get(key, ""))


def _drop_stale_streams(
    session: Session, rows: list[dict[str, Any]], edited: Mapping[int, list[str]]
) -> None:
    """Forget the stream of a run whose summary now measures another activity (cropped,
    trimmed or moved on Strava: its time, distance or start changed), so that its efforts
    stop coming from the old recording and the worker fetches the stream again
    (``runs.streams.pending``).  A field the runner corrected here says nothing of Strava's
    recording and is not compared."""
    by_id = {row["id"]: row for row in rows}
    stored = session.execute(
        select(Run.id, *(getattr(Run, f) for f in _RECORDING))
        .join(RunStream, RunStream.run_id == Run.id)
        .where(among(session, Run.id, by_id))
    )
    stale = [
        found.id
        for found in stored
        if any(
            field not in edited.get(found.id, ())
            and by_id[found.id][field] != getattr(found, field)
            for field in _RECORDING
        )
    ]
    if stale:
        session.execute(delete(RunStream).where(RunStream.run_id.in_(stale)))


def _insert_new(session: Session, runner_id: int, rows: list[dict[str, Any]]) -> None:
    """Insert new runs and set each row's ``id``."""
    ids = reserve_ids(session, _RUNS, len(rows))
    if ids is not None:
        for row, run_id in zip(rows, ids, strict=True):
            row["id"] = run_id
        insert_many(session, _RUNS, rows)
        return
    # Where ids come only from the insert: one executemany (Core, not the ORM, which splits
    # rows by which columns are NULL), then one indexed read of the new ids, cheaper than
    # an INSERT that returns ids in parameter order.
    insert_many(session, _RUNS, rows)
    created = _existing(session, runner_id, {(r["source"], r["external_id"]): r for r in rows})
    for row in rows:
        row["id"] = created[(row["source"], row["external_id"])][0]


def _existing(
    session: Session, runner_id: int, batch: Mapping[tuple[str, str], Any]
) -> dict[tuple[str, str], tuple[int, str, list[str], bool]]:
    """(id, source digest, locally edited fields, excluded) of the batch's stored runs."""
    by_source: dict[str, list[str]] = {}
    for source, external_id in batch:
        by_source.setdefault(source, []).append(external_id)
    found: dict[tuple[str, str], tuple[int, str, list[str], bool]] = {}
    for source, external_ids in by_source.items():
        rows = session.execute(
            select(
                Run.external_id, Run.id, Run.content_hash, Run.edited_fields, Run.excluded
            ).where(
                Run.runner_id == runner_id,
                Run.source == source,
                one_of(session, Run.external_id, external_ids),
            )
        )
        for external_id, run_id, digest, edited, excluded in rows:
            found[(source, external_id)] = (run_id, digest, edited or [], bool(excluded))
    return found
