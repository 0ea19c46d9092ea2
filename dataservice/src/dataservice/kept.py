"""Storing an answer kept derived from runs (records panel, run VDOTs, training load) for
runners who have none: a database from before the answer existed (``dataservice migrate``)
or loaded by COPY behind the service's back.  Writes keep them current afterwards
(:mod:`dataservice.runs.changed`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy.orm import Session

from runnerly_common.db import Database


def store_each(
    db: Database, runner_ids: Iterable[int], refresh: Callable[[Session, int], None]
) -> int:
    """Refresh these runners with ``refresh``, one short transaction each; how many."""
    count = 0
    for runner_id in runner_ids:
        with db.transaction() as session:
            refresh(session, runner_id)
        count += 1
    return count
