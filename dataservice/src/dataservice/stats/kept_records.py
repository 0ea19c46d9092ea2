"""Each runner's records panel, kept in ``runner_records`` and rewritten on write.

Computing the panel reads a runner's whole history (seven best-effort walks, one grouped
read of every run for the longest run and the biggest week and month): tens of
milliseconds at a thousand runs, too slow for a page every runner opens.  Runs change far
less often than the panel is read, so the panel is computed when they change, in the
transaction that changes them (:mod:`dataservice.runs.changed`), and the read is one
primary-key lookup.

Two transactions changing one runner's runs must not leave the answer of the one that
committed first: each refresh first locks the runner's row, then reads (PostgreSQL's
READ COMMITTED gives each statement a fresh snapshot, so the second refresh, waiting for the
first commit, reads both changes).  SQLite lets one writer at a time anyway.

A missing row (runs written behind the service's back, a panel of an older ``VERSION``) is
computed on read, never answered stale; ``dataservice migrate`` and ``dataservice
refresh-records`` store what is missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from dataservice.kept import store_each
from dataservice.runs.models import Run
from dataservice.stats import records
from dataservice.stats.models import RunnerRecords
from dataservice.users.models import User
from runnerly_common.db import Database, utcnow

# The shape of ``records.compute``'s answer: raise it when that shape changes.
VERSION = 1


def panel(session: Session, runner_id: int) -> dict[str, Any]:
    """The runner's records panel: the stored one, else computed now."""
    stored = session.execute(
        select(RunnerRecords.panel).where(
            RunnerRecords.runner_id == runner_id, RunnerRecords.version == VERSION
        )
    ).scalar()
    return stored if stored is not None else records.compute(session, runner_id)


def refresh(session: Session, runner_id: int) -> None:
    """Store the runner's panel as its runs are now (in the caller's transaction)."""
    locked = session.execute(
        # FOR NO KEY UPDATE: waits for another refresh of this runner, not for inserts of
        # runs (their foreign key check takes KEY SHARE).
        select(User.id).where(User.id == runner_id).with_for_update(key_share=True)
    ).scalar()
    if locked is None:  # the runner is gone, and the panel with them
        return
    answer = records.compute(session, runner_id)
    row = session.get(RunnerRecords, runner_id, populate_existing=True)
    if row is None:
        session.add(RunnerRecords(runner_id=runner_id, version=VERSION, panel=answer))
    else:
        row.version, row.panel, row.computed_at = VERSION, answer, utcnow()


def store(db: Database, runner_ids: Iterable[int]) -> int:
    """Compute and store these runners' panels, one short transaction each (``dataservice
    migrate`` and ``refresh-records``, a load by COPY); how many."""
    return store_each(db, runner_ids, refresh)


def missing(session: Session) -> Iterator[int]:
    """Runners with runs whose panel is not stored (or of an older version)."""
    stored = exists().where(RunnerRecords.runner_id == User.id, RunnerRecords.version == VERSION)
    yield from session.scalars(
        select(User.id).where(~stored, exists().where(Run.runner_id == User.id)).order_by(User.id)
    )
