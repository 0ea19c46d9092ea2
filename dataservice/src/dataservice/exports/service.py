"""A runner's exports: started by the runner, built by the worker, downloaded, expired.

States: ``queued`` (asked for; the worker's task is on its way), ``building`` (the worker
reports ``done`` of ``total`` files), ``ready`` (the zip is in ``export_chunks`` until
``expires_at``), ``failed`` (``error`` says why), ``expired`` (past ``expires_at``: the
bytes are no longer offered, and :func:`expire` deletes the export).  One export a runner:
asking while one is queued or building gives that one; asking after it finished replaces
it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dataservice.errors import conflict, invalid, not_found
from dataservice.exports.models import Export, ExportChunk
from runnerly_common.db import utcnow
from runnerly_common.errors import APIError

ACTIVE = ("queued", "building")
STALLED = timedelta(hours=2)  # a build that reported nothing for this long has died


def _state(export: Export, now: datetime) -> str:
    if export.state == "ready" and export.expires_at is not None and export.expires_at <= now:
        return "expired"
    return export.state


def to_dict(export: Export, now: datetime | None = None) -> dict[str, Any]:
    return {
        "id": export.id,
        "runner_id": export.runner_id,
        "state": _state(export, now or utcnow()),
        "done": export.done,
        "total": export.total,
        "size": export.size,
        "error": export.error,
        "created_at": export.created_at.isoformat(),
        "finished_at": export.finished_at.isoformat() if export.finished_at else None,
        "expires_at": export.expires_at.isoformat() if export.expires_at else None,
    }


def current(session: Session, runner_id: int) -> Export | None:
    return session.scalar(select(Export).where(Export.runner_id == runner_id))


def get(session: Session, runner_id: int, export_id: int, for_update: bool = False) -> Export:
    """The runner's export ``export_id``; another runner's is 404, as one that never was."""
    query = select(Export).where(Export.id == export_id, Export.runner_id == runner_id)
    export = session.scalar(query.with_for_update() if for_update else query)
    if export is None:
        raise not_found(f"export {export_id}")
    return export


def start(session: Session, runner_id: int) -> tuple[Export, bool]:
    """(the runner's export, whether it is new).  The caller commits, then sends the
    worker's task for a new one."""
    existing = current(session, runner_id)
    if existing is not None and existing.state in ACTIVE:
        return existing, False
    if existing is not None:
        session.delete(existing)  # a finished one's bytes go with it
        session.flush()
    export = Export(runner_id=runner_id, state="queued", done=0, total=0)
    try:
        with session.begin_nested():
            session.add(export)
    except IntegrityError:  # another request of the runner's made one meanwhile
        found = current(session, runner_id)
        if found is None:
            raise
        return found, False
    return export, True


def update(session: Session, export: Export, change: dict[str, Any], days: int) -> Export:
    """The worker's report: progress while ``building``, then ``ready`` (the uploaded
    chunks checked against ``size`` and ``sha256``) or ``failed``."""
    if export.state not in ACTIVE:
        raise conflict("path.export_id", f"this export is {export.state}, no longer building")
    state = change["state"]
    now = utcnow()
    if state == "building":
        done, total = change.get("done", 0), change.get("total", export.total)
        if done > total:
            raise invalid("body.done", f"must be at most total ({total})")
        if done == 0:  # a build (re)starts from nothing: what a dead one uploaded goes
            session.execute(delete(ExportChunk).where(ExportChunk.export_id == export.id))
        export.done, export.total = done, total
    elif state == "ready":
        _check_upload(session, export, change)
        export.size, export.sha256 = change["size"], change["sha256"]
        export.done = export.total
        export.finished_at, export.expires_at = now, now + timedelta(days=days)
    else:
        export.error = (change.get("error") or "the export could not be built")[:300]
        # A failure holds no bytes; it shows for a day, then the cleanup deletes it.
        export.finished_at, export.expires_at = now, now + timedelta(days=1)
        session.execute(delete(ExportChunk).where(ExportChunk.export_id == export.id))
    export.state, export.updated_at = state, now
    session.flush()
    return export


def _check_upload(session: Session, export: Export, change: dict[str, Any]) -> None:
    for field in ("size", "sha256"):
        if field not in change:
            raise invalid(f"body.{field}", "is required when the export is ready")
    digest, size, expected = hashlib.sha256(), 0, 0
    for seq, data in _chunks(session, export.id):
        if seq != expected:
            raise invalid("body.size", f"chunk {expected} is missing", 409)
        digest.update(data)
        size, expected = size + len(data), expected + 1
    if size != change["size"]:
        raise invalid("body.size", f"the uploaded chunks hold {size} bytes", 409)
    if digest.hexdigest() != change["sha256"]:
        raise invalid("body.sha256", "does not match the uploaded chunks", 409)


def put_chunk(session: Session, export: Export, seq: int, data: bytes) -> None:
    if export.state != "building":
        raise conflict("path.export_id", f"this export is {export.state}, not building")
    if not data:
        raise invalid("body", "a chunk is never empty")
    chunk = session.get(ExportChunk, (export.id, seq))
    if chunk is None:
        session.add(ExportChunk(export_id=export.id, seq=seq, data=data))
    else:
        chunk.data = data
    export.updated_at = utcnow()
    session.flush()


def _chunks(session: Session, export_id: int) -> Iterator[tuple[int, bytes]]:
    """The chunks in order, one at a time (a zip may be far larger than memory allows)."""
    seqs = session.scalars(
        select(ExportChunk.seq).where(ExportChunk.export_id == export_id).order_by(ExportChunk.seq)
    ).all()
    for seq in seqs:
        data = session.scalar(
            select(ExportChunk.data).where(
                ExportChunk.export_id == export_id, ExportChunk.seq == seq
            )
        )
        if data is not None:
            yield seq, data


def download(session: Session, export: Export) -> Iterator[bytes]:
    """The ready zip's bytes, chunk by chunk; 409 before it is ready, 410 once expired."""
    state = _state(export, utcnow())
    if state == "expired":
        raise APIError(410, "gone", "this export has expired: start a new one")
    if state != "ready":
        raise conflict("path.export_id", f"this export is {state}, not ready")
    return (data for _, data in _chunks(session, export.id))


def expire(session: Session, now: datetime | None = None) -> dict[str, int]:
    """Delete every export past its time, its bytes with it, and fail builds that stopped
    reporting (the runner may then start again).  The caller commits."""
    now = now or utcnow()
    gone = session.scalars(
        select(Export.id).where(Export.expires_at.is_not(None), Export.expires_at <= now)
    ).all()
    if gone:
        session.execute(delete(ExportChunk).where(ExportChunk.export_id.in_(gone)))
        session.execute(delete(Export).where(Export.id.in_(gone)))
    stalled = session.scalars(
        select(Export).where(Export.state.in_(ACTIVE), Export.updated_at <= now - STALLED)
    ).all()
    for export in stalled:
        export.state, export.error = "failed", "the export stopped before it was ready"
        export.finished_at, export.expires_at = now, now + timedelta(days=1)
        session.execute(delete(ExportChunk).where(ExportChunk.export_id == export.id))
    session.flush()
    return {"deleted": len(gone), "failed": len(stalled)}


def chunk_count(session: Session, export_id: int) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(ExportChunk).where(ExportChunk.export_id == export_id)
        )
        or 0
    )
