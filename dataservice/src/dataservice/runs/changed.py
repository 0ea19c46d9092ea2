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

A refresher that can rewrite only what changed asks :func:`changes` which runs those were:
ORM writes of runs and best efforts name their runs by themselves, a Core writer that knows
them says so with :func:`touch_runs`; :func:`touch` (and a profile change) means "anything
may have changed", and :func:`changes` then answers None: recompute the runner whole.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from dataservice.runs.models import BestEffort, Run
from dataservice.training.kept import profile_changed
from dataservice.users.models import User

Refresher = Callable[[Session, int], None]

_TOUCHED = "dataservice.touched_runners"
_WHOLE = "dataservice.touched_whole"  # runners of which anything may have changed
_RUNS = "dataservice.touched_runs"  # {runner: [run ids, known starts, start unknown]}
_PENDING = "dataservice.touched_pending"  # new ORM objects: their ids exist after the flush
_REFRESHING = "dataservice.refreshing"  # {runner: Changes | None} while refreshers run


@dataclass(frozen=True)
class Changes:
    """The runs of one runner a transaction changed (inserted, updated or deleted, or whose
    best efforts changed), as :func:`changes` tells a refresher."""

    run_ids: frozenset[int]
    # The earliest local start any changed run had before or has now; None when one of them
    # is not known (a best effort changed alone, a Core update): recompute from the start.
    earliest: datetime | None


def touch(session: Session, runner_ids: Iterable[int]) -> None:
    """Note that these runners' runs (or what is derived from them) changed, which ones
    unknown: their refreshers recompute them whole."""
    ids = {int(r) for r in runner_ids}
    session.info.setdefault(_TOUCHED, set()).update(ids)
    session.info.setdefault(_WHOLE, set()).update(ids)


def touch_runs(
    session: Session,
    runner_id: int,
    run_ids: Iterable[int],
    starts: Iterable[datetime] | None = None,
) -> None:
    """Note that these runs of the runner changed (a Core writer that knows them); ``starts``
    are the local starts they had before and have now, None when not all are known."""
    session.info.setdefault(_TOUCHED, set()).add(int(runner_id))
    entry = session.info.setdefault(_RUNS, {}).setdefault(int(runner_id), [set(), [], False])
    entry[0].update(int(r) for r in run_ids)
    if starts is None:
        entry[2] = True
    else:
        entry[1].extend(starts)


def changes(session: Session, runner_id: int) -> Changes | None:
    """Which runs of the runner the committing transaction changed; None when not known
    (anything may have changed, or called outside a commit's refresh): recompute all."""
    known: dict[int, Changes | None] = session.info.get(_REFRESHING, {})
    return known.get(runner_id)


def _starts(obj: Run) -> list[datetime] | None:
    """The local starts a run had and has; None when one is not loaded."""
    history = inspect(obj).attrs.start_local.history
    found = [*history.added, *history.unchanged, *history.deleted]
    if not found or any(not isinstance(s, datetime) for s in found):
        return None
    return found


def _collect(session: Session) -> dict[int, Changes | None]:
    """The touched runners' changes, taken out of the session (after its last flush)."""
    for obj in session.info.pop(_PENDING, []):
        if isinstance(obj, Run):
            touch_runs(session, obj.runner_id, [obj.id], _starts(obj))
        else:
            touch_runs(session, obj.runner_id, [obj.run_id], None)
    runners = session.info.pop(_TOUCHED, set())
    whole = session.info.pop(_WHOLE, set())
    runs = session.info.pop(_RUNS, {})
    answer: dict[int, Changes | None] = {}
    for runner_id in runners:
        if runner_id in whole or runner_id not in runs:
            answer[runner_id] = None
            continue
        ids, starts, unknown = runs[runner_id]
        earliest = None if unknown or not starts else min(starts)
        answer[runner_id] = Changes(frozenset(ids), earliest)
    return answer


def attach(factory: sessionmaker[Session], refreshers: Sequence[Refresher]) -> None:
    """Refresh with each of ``refreshers`` the runners touched in the sessions ``factory``
    makes, before each commit."""

    def before_flush(session: Session, _context: Any, _instances: Any) -> None:
        for obj in (*session.new, *session.dirty, *session.deleted):
            if isinstance(obj, (Run, BestEffort)) and obj.runner_id is not None:
                key = obj.id if isinstance(obj, Run) else obj.run_id
                if key is None or obj in session.new:  # its id comes with the flush
                    session.info.setdefault(_PENDING, []).append(obj)
                    session.info.setdefault(_TOUCHED, set()).add(int(obj.runner_id))
                elif isinstance(obj, Run):
                    touch_runs(session, obj.runner_id, [key], _starts(obj))
                else:
                    touch_runs(session, obj.runner_id, [key], None)
            elif isinstance(obj, User) and obj in session.dirty and profile_changed(obj):
                touch(session, [obj.id])  # the heart rates and threshold every load uses

    def before_commit(session: Session) -> None:
        session.flush()  # what the refreshers read, and what may touch more runners
        runners = _collect(session)
        session.info[_REFRESHING] = runners
        try:
            for runner_id in sorted(runners):  # one order: two writers never wait on each other
                for refresh in refreshers:
                    refresh(session, runner_id)
            session.flush()
        finally:
            session.info.pop(_REFRESHING, None)

    def after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is None:  # rolled back (a commit already took its runners)
            for key in (_TOUCHED, _WHOLE, _RUNS, _PENDING):
                session.info.pop(key, None)

    event.listen(factory, "before_flush", before_flush)
    event.listen(factory, "before_commit", before_commit)
    event.listen(factory, "after_transaction_end", after_transaction_end)
