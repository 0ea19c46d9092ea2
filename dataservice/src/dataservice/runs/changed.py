"""Which runners' runs a transaction changed, and what is kept derived from those runs
refreshed once per runner just before the transaction commits.

Some reads must answer in a few milliseconds whatever a runner's history (the records
panel: ``stats.kept_records``), so what they answer is stored and rewritten whenever what
it derives from changes.  Writers do not call the refresh themselves: a change to a runner's
runs *touches* the runner, and the session's ``before_commit`` refreshes each touched runner
once, after the last flush, in the same transaction: the stored answer commits with the
change it follows, or neither does.

ORM writes of runs and best efforts touch their runner by themselves (``before_flush``);
Core statements and COPY do not, so the code issuing them calls :func:`touch` (the bulk
upsert, merges through :func:`dataservice.runs.recompute.recompute_efforts`).  The
dataservice's tests check, after every test, that each stored answer equals a fresh one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from dataservice.runs.models import BestEffort, Run
from dataservice.training.kept import profile_changed
from dataservice.users.models import User

Refresher = Callable[[Session, int], None]

_TOUCHED = "dataservice.touched_runners"


def touch(session: Session, runner_ids: Iterable[int]) -> None:
    """Note that these runners' runs (or what is derived from them) changed."""
    session.info.setdefault(_TOUCHED, set()).update(int(r) for r in runner_ids)


def attach(factory: sessionmaker[Session], refreshers: Sequence[Refresher]) -> None:
    """Refresh with each of ``refreshers`` the runners touched in the sessions ``factory``
    makes, before each commit."""

    def before_flush(session: Session, _context: Any, _instances: Any) -> None:
        for obj in (*session.new, *session.dirty, *session.deleted):
            if isinstance(obj, (Run, BestEffort)) and obj.runner_id is not None:
                touch(session, [obj.runner_id])
            elif isinstance(obj, User) and obj in session.dirty and profile_changed(obj):
                touch(session, [obj.id])  # the heart rates and threshold every load uses

    def before_commit(session: Session) -> None:
        session.flush()  # what the refreshers read, and what may touch more runners
        runners = session.info.pop(_TOUCHED, set())
        for runner_id in sorted(runners):  # one order: two writers never wait on each other
            for refresh in refreshers:
                refresh(session, runner_id)
        session.flush()

    def after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is None:  # rolled back (a commit already took its runners)
            session.info.pop(_TOUCHED, None)

    event.listen(factory, "before_flush", before_flush)
    event.listen(factory, "before_commit", before_commit)
    event.listen(factory, "after_transaction_end", after_transaction_end)
