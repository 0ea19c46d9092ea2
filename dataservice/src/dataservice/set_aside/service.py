"""Record, clear and list set-aside activities.

``record`` runs inside the transaction of the batch of runs it came with (``addRuns``), so
an activity is never both a stored run and set aside: whatever the batch stores or
deletes under a key leaves the set-aside list, and what it sets aside enters it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from dataservice.runs.fast_insert import delete_by_keys
from dataservice.set_aside.models import SetAsideActivity
from runnerly_common.db import utcnow

Key = tuple[str, str]  # (source, external_id), a run's identity for one runner


def record(
    session: Session,
    runner_id: int,
    settled: Iterable[Key],
    items: Iterable[Mapping[str, Any]],
) -> int:
    """Forget the ``settled`` keys (stored or deleted as runs), then upsert ``items``;
    returns how many distinct activities are now recorded as set aside by this call."""
    clear(session, runner_id, settled)
    rows: dict[Key, dict[str, Any]] = {}
    now = utcnow()
    for item in items:  # the last copy of a key repeated within one batch wins
        rows[(item["source"], item["external_id"])] = {
            "runner_id": runner_id,
            "source": item["source"],
            "external_id": item["external_id"],
            "reason": item["reason"],
            "start_time": item.get("start_time"),
            "title": item.get("title"),
            "seen_at": now,
        }
    if rows:
        _upsert(session, list(rows.values()))
    return len(rows)


def _upsert(session: Session, rows: list[dict[str, Any]]) -> None:
    """One INSERT ... ON CONFLICT DO UPDATE: atomic against a concurrent batch naming the
    same activity, on both PostgreSQL and SQLite."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(SetAsideActivity)
    statement = statement.on_conflict_do_update(
        index_elements=["runner_id", "source", "external_id"],
        set_={
            name: statement.excluded[name] for name in ("reason", "start_time", "title", "seen_at")
        },
    )
    session.execute(statement, rows)


def clear(session: Session, runner_id: int, keys: Iterable[Key], source: str | None = None) -> int:
    """Remove the runner's set-aside activities named by ``keys`` (or, with ``source``,
    every one of that source: unlinking Strava)."""
    table = SetAsideActivity
    if source is not None:
        # A DELETE's result is a CursorResult, the one with a rowcount.
        deleted = cast(
            "CursorResult[Any]",
            session.execute(
                delete(table).where(table.runner_id == runner_id, table.source == source)
            ),
        )
        return deleted.rowcount
    return delete_by_keys(session, table, runner_id, keys)


def list_set_aside(
    session: Session, runner_id: int, page: int, per_page: int
) -> tuple[list[SetAsideActivity], int]:
    """Newest first (by when a source last reported them)."""
    where = SetAsideActivity.runner_id == runner_id
    total = session.scalar(select(func.count(SetAsideActivity.id)).where(where)) or 0
    rows = session.scalars(
        select(SetAsideActivity)
        .where(where)
        .order_by(SetAsideActivity.seen_at.desc(), SetAsideActivity.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return list(rows), total


def every(session: Session, runner_id: int | None = None) -> list[SetAsideActivity]:
    """All of them (one runner's, or everyone's), by runner then newest first: the
    operator's list and a runner's export."""
    query = select(SetAsideActivity)
    if runner_id is not None:
        query = query.where(SetAsideActivity.runner_id == runner_id)
    order = (
        SetAsideActivity.runner_id,
        SetAsideActivity.seen_at.desc(),
        SetAsideActivity.id.desc(),
    )
    return list(session.scalars(query.order_by(*order)))


def to_dict(row: SetAsideActivity) -> dict[str, Any]:
    return {
        "source": row.source,
        "external_id": row.external_id,
        "reason": row.reason,
        "start_time": row.start_time.isoformat() if row.start_time else None,
        "title": row.title,
        "seen_at": row.seen_at.isoformat(),
    }
