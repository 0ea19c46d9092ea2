"""Celery tasks.  A task never sleeps: it reschedules itself with a countdown.

- no rate budget left → retry when the window (or, if that is soon enough, the day) opens;
- network errors and 5xx (Strava or dataservice), Redis not answering → retry with
  exponential backoff, counted in ``failures`` apart from budget waits, until
  ``max_failures``;
- a runner already being synced → nothing (``sync_runner``) or a short wait (events); a
  redelivered ``sync_runner`` (its worker died holding the lock) waits for the lock to expire;
- no countdown is longer than half the broker's visibility timeout (Redis would deliver a
  task that waits longer a second time); a longer wait is left to beat's next round.
- Strava refusing the runner's tokens → the link waits for the runner to connect again
  (:mod:`tokens`); nothing to retry;
- a 4xx from the dataservice (other than 404, 408, 429) → logged, counted as ``refused``,
  dropped: the same request would be refused again.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import Any, NoReturn

from celery import Task, shared_task
from celery.exceptions import Reject

from runnerly_common.tasks import (
    DRAIN_ATHLETE,
    FETCH_STREAMS,
    HANDLE_EVENT,
    SUBSCRIBE_WEBHOOK,
    SYNC_ALL,
    SYNC_RUNNER,
)
from strava_worker import events, streams, subscription, sync
from strava_worker.budget import OutOfBudget, Store
from strava_worker.dataservice import DataserviceError, DataserviceRefused, NotLinked
from strava_worker.redis_store import StoreUnavailable
from strava_worker.runtime import Busy, Runtime
from strava_worker.strava import ServerError, StravaError
from strava_worker.tokens import Deauthorized, epoch

log = logging.getLogger(__name__)
LONGEST_COUNTDOWN = 3600  # beyond it, beat's next round picks the runner up again
TRANSIENT = (ServerError, DataserviceError, StoreUnavailable)
# A drain that ends so sends no next one: nothing waits, the athlete is gone, or the budget
# wait already sent one ("waiting"); after "deferred" or "error" the hints wait for the
# claim to expire (LOCK_SECONDS) and the athlete's next event.
DRAIN_ENDS = ("idle", "unknown athlete", "unlinked", "reconnect", "waiting", "deferred", "error")


def retry(task: Task, **options: Any) -> NoReturn:
    """``task.retry`` that never drops the message.

    When the retry cannot be queued (the broker is down as well, so a new message cannot be
    sent), Celery rejects the running message without requeueing it: the work is lost,
    which beat's next round makes good for a sync but nothing does for a webhook event or a
    report.  Requeue it instead: it comes back once the broker does (or, if even the reject
    cannot reach it, after the visibility timeout, from Redis's unacked set).
    """
    try:
        task.retry(**options)
    except Reject as exc:
        log.warning("%s: the retry could not be queued; the message goes back", task.name)
        raise Reject(exc.reason, requeue=True) from None
    raise AssertionError("Task.retry returned")  # it raises Retry when throw is left on


def send_later(task: Task, kwargs: dict[str, Any], countdown: int) -> None:
    """Run ``task`` again in ``countdown`` seconds, as a new message, when this one ends.

    For the budget's waits, which can come by the hundred when the budget is spent: each
    ``Task.retry`` keeps a few hundred KB in the pool child on Celery 5.7 (the soak saw a
    child double in ten minutes of them), a plain send does not.  A broker that cannot take
    the message keeps this one instead, as :func:`retry` does.
    """
    try:
        task.apply_async(kwargs=kwargs, countdown=countdown)
    except Exception as exc:  # noqa: BLE001 - any failure to send: requeue this message
        log.warning("%s: the new message could not be sent; this one goes back", task.name)
        raise Reject(str(exc), requeue=True) from None


def _runtime(task: Task) -> Runtime:
    return task.app.runtime  # type: ignore[attr-defined]


def _longest_countdown(rt: Runtime) -> int:
    return max(1, min(LONGEST_COUNTDOWN, rt.settings.visibility_timeout // 2))


def _budget_wait(exc: OutOfBudget) -> int:
    return max(1, int(exc.retry_at - time.time()) + 1) + random.randint(0, 2)  # noqa: S311


def _backoff(rt: Runtime, failures: int) -> int:
    longest = min(rt.settings.retry_backoff_max, _longest_countdown(rt))
    return max(1, min(2**failures * 2, longest) - random.randint(0, 2))  # noqa: S311


def _run(task: Task, work: Any, kwargs: dict[str, Any], failures: int) -> Any:
    """Run ``work()`` and turn its failures into retries (raised) or outcomes."""
    rt = _runtime(task)
    try:
        return work()
    except OutOfBudget as exc:
        wait = _budget_wait(exc)
        if wait > _longest_countdown(rt):
            log.warning("Strava budget spent for the day; beat resumes %s", kwargs)
            return {"status": "deferred"}
        log.info("no Strava budget: %s retries in %ss", task.name, wait)
        send_later(task, {**kwargs, "failures": 0}, wait)
        return {"status": "waiting"}
    except NotLinked as exc:
        log.info("%s stopped: %s", task.name, exc)
        return {"status": "unlinked"}
    except Deauthorized as exc:
        log.info("%s stopped, the runner must connect Strava again: %s", task.name, exc)
        return {"status": sync.RECONNECT}
    except DataserviceRefused as exc:  # a 4xx: the same request gets the same answer
        log.error("%s refused by the dataservice, not retried: %s", task.name, exc)
        _record_error(rt, kwargs.get("user_id"), str(exc))
        return {"status": "refused"}
    except TRANSIENT as exc:
        if failures >= rt.settings.max_failures:
            log.error("%s gave up after %s failures: %s", task.name, failures, exc)
            _record_error(rt, kwargs.get("user_id"), str(exc))
            return {"status": "error"}
        retry(
            task,
            kwargs={**kwargs, "failures": failures + 1},
            countdown=_backoff(rt, failures),
            exc=exc,
        )
    except StravaError as exc:  # a 4xx we do not expect: retrying will not help
        log.error("%s failed: %s", task.name, exc)
        _record_error(rt, kwargs.get("user_id"), str(exc))
        return {"status": "error"}


def _note_syncs(rt: Runtime, change: Callable[[Store], None]) -> None:
    """Keep the store's last syncs (the worker's sync-lag metric) up to date; a store that
    fails here must not fail the sync, which is done: beat's next round corrects it."""
    try:
        change(rt.store)
    except Exception as exc:  # noqa: BLE001 - StoreUnavailable, sqlite3.Error: same answer
        log.warning("could not record the last syncs: %s", exc)


def _record_error(rt: Runtime, user_id: int | None, message: str) -> None:
    if user_id is None:
        return
    try:
        rt.dataservice.update_link(user_id, sync_state="error", sync_error=message[:500])
    except (DataserviceError, NotLinked):
        log.warning("could not record the sync error of runner %s", user_id)


@shared_task(
    name=SYNC_RUNNER.name, bind=True, max_retries=None, acks_late=True, reject_on_worker_lost=True
)
def sync_runner(
    self: Task, user_id: int, failures: int = 0, resume: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Import a runner's new Strava runs (the whole history the first time)."""

    def work() -> dict[str, Any]:
        rt = _runtime(self)
        try:
            return sync.sync_runner(rt, user_id, resume)
        except Busy:
            if (self.request.delivery_info or {}).get("redelivered"):
                # Its worker died holding the lock: once the lock expires, the sync resumes
                # from the stored progress.  (A live holder meanwhile makes this a no-op.)
                wait = min(rt.settings.lock_seconds + 1, _longest_countdown(rt))
                retry(self, countdown=wait)
            return {"status": "busy"}  # the sync holding the lock does this work

    kwargs = {"user_id": user_id, **({"resume": resume} if resume else {})}
    result = _run(self, work, kwargs, failures)
    if result.get("status") == sync.MORE:
        # A lost "resume" (the task lost with Redis) only costs beat's round a re-read.
        next_kwargs = {
            "user_id": user_id,
            **({"resume": result["resume"]} if "resume" in result else {}),
        }
        sync_runner.apply_async(kwargs=next_kwargs)
    if result.get("status") == sync.DONE:
        _note_syncs(_runtime(self), lambda store: store.record_sync(user_id, time.time()))
        # After the summaries, with what the budget leaves (strava_worker.streams).
        if _runtime(self).settings.streams_budget_percent > 0:
            fetch_streams.apply_async(kwargs={"user_id": user_id}, countdown=streams.PAUSE)
    elif result.get("status") in ("unlinked", sync.RECONNECT):
        _note_syncs(_runtime(self), lambda store: store.forget_sync(user_id))
    log.info("sync of runner %s: %s", user_id, result)
    return result


@shared_task(
    name=FETCH_STREAMS.name, bind=True, max_retries=None, acks_late=True, reject_on_worker_lost=True
)
def fetch_streams(self: Task, user_id: int, failures: int = 0) -> dict[str, Any]:
    """Fetch the activity streams of a runner's runs, newest first, a few per task, within
    ``STREAMS_BUDGET_PERCENT`` of the budget; sent by each completed sync."""

    def work() -> dict[str, Any]:
        try:
            return streams.fetch(_runtime(self), user_id)
        except Busy:
            return {"status": "busy"}  # the task holding the lock does this work

    result = _run(self, work, {"user_id": user_id}, failures)
    if result.get("status") == streams.MORE:
        # After a pause: a worker taking both queues (no --queues) runs the syncs queued
        # meanwhile first; the streams workers of the launchers never see a sync at all.
        fetch_streams.apply_async(kwargs={"user_id": user_id}, countdown=streams.PAUSE)
    log.info("streams of runner %s: %s", user_id, result)
    return result


@shared_task(
    name=HANDLE_EVENT.name, bind=True, max_retries=None, acks_late=True, reject_on_worker_lost=True
)
def handle_event(self: Task, event: dict[str, Any], failures: int = 0) -> dict[str, Any]:
    """Note one Strava webhook event as a hint for its athlete (no Strava request here):
    the athlete's drain, sent when there is none yet, checks it with Strava."""
    rt = _runtime(self)
    event_time = event.get("event_time")
    when = float(event_time) if isinstance(event_time, int | float) else time.time()

    def work() -> dict[str, Any]:
        outcome, athlete = events.note(rt, event, when)
        if athlete is not None:
            drain_athlete.apply_async(
                kwargs={"athlete_id": athlete}, countdown=rt.settings.event_delay
            )
        return {"status": outcome}

    result = _run(self, work, {"event": event}, failures)
    log.info(
        "event %s/%s %s of athlete %s: %s",
        event.get("object_type"),
        event.get("object_id"),
        event.get("aspect_type"),
        event.get("owner_id"),
        result,
    )
    return result


@shared_task(
    name=DRAIN_ATHLETE.name, bind=True, max_retries=None, acks_late=True, reject_on_worker_lost=True
)
def drain_athlete(self: Task, athlete_id: int, failures: int = 0) -> dict[str, Any]:
    """Check an athlete's waiting hints with one Strava request, then come back after
    ``EVENT_INTERVAL``: a flood of events costs one request per interval, not one each."""
    rt = _runtime(self)

    def work() -> dict[str, Any]:
        try:
            return events.drain(rt, athlete_id)
        except Busy:  # a sync of this runner is running: look after it
            retry(self, countdown=5)

    result = _run(self, work, {"athlete_id": athlete_id}, failures)
    if result.get("status") not in DRAIN_ENDS:
        # The claim stays ours until a drain finds nothing waiting: hints that come
        # meanwhile wait for this next drain instead of sending one of their own.
        drain_athlete.apply_async(
            kwargs={"athlete_id": athlete_id}, countdown=rt.settings.event_interval
        )
    log.info("webhook hints of athlete %s: %s", athlete_id, result)
    return result


@shared_task(name=SYNC_ALL.name, bind=True, max_retries=None, acks_late=True)
def sync_all(self: Task, interval: float | None = None, failures: int = 0) -> dict[str, Any]:
    """Beat's round: every linked runner, spread over the interval so the budget is too.

    Beat passes its own interval: the spread must match the schedule that sends the rounds.
    A dataservice not answering yet (beat's first round at start-up) is retried with
    backoff, so the round is not lost until the next one.
    """

    def work() -> dict[str, Any]:
        rt = _runtime(self)
        links = [link for link in rt.dataservice.links() if link["sync_state"] not in sync.STOPPED]
        synced = {
            link["user_id"]: epoch(link["last_sync_at"])
            for link in links
            if link.get("last_sync_at")
        }
        _note_syncs(rt, lambda store: store.reconcile_syncs(synced))
        span = min(interval or rt.settings.sync_interval, _longest_countdown(rt))
        spacing = span / max(len(links), 1)
        for i, link in enumerate(links):
            sync_runner.apply_async(kwargs={"user_id": link["user_id"]}, countdown=int(i * spacing))
        return {"status": "queued", "runners": len(links)}

    return _run(self, work, {"interval": interval}, failures)


@shared_task(name=SUBSCRIBE_WEBHOOK.name, bind=True, max_retries=None, acks_late=True)
def subscribe_webhook(self: Task, failures: int = 0) -> dict[str, Any]:
    """Create Strava's push subscription when there is none (started by beat)."""
    rt = _runtime(self)
    return _run(
        self,
        lambda: {"subscription": subscription.ensure_subscription(rt.settings, rt.store)},
        {},
        failures,
    )
