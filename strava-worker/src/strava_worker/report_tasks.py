"""The monthly report emails: beat's hourly round, then one task per runner.

Who gets one: every runner who wants it (their email preferences: on by default), whose
account is enabled, has an email address and ran at least once in the month.  A month
without runs sends nothing — no "you did not run" mail every month to someone who stopped.

When (docs/decisions.md, 56): each runner chooses the day of the month (1 to 28, their
time zone) the previous month's report arrives.  Beat's round runs every hour and queues
a runner's report once their local time is at or past ``REPORT_HOUR`` on that day — *at or
past*, not *on*: a runner who moves their day to one already gone this month gets the
month's report at the next round, one who moves it later after it came gets nothing more
(the month's *sent* marker), and a round missed (beat down) is made up by the next.  The
round asks the store before queueing: a month already sent is skipped, and a runner queued
less than ``QUEUED_SECONDS`` ago is not queued again while that task may still run.

Never the same month twice (reserve, then confirm).  ``send_report`` first reserves the
runner's month (a store lock, ``LOCK_SECONDS``), returns if the month's *sent* marker is
there, builds and sends the mail, and only then sets the marker (kept ``MARK_SECONDS``).
A retry, a redelivery or a second trigger finds the marker and sends nothing; two copies
of the task never send at once (the second waits for the reservation).  Where it can
still go wrong, it errs towards a second copy rather than a lost mail: a worker killed
between the SMTP server's "250 accepted" and the marker write (microseconds; the
reservation then expires and a redelivery sends again), or a store that fails at that
moment (logged as an error).  Reserving the marker *before* sending would instead lose
the mail for good on any crash during the dataservice call and the SMTP exchange — a much
wider window.  The mail's fixed Message-ID lets clients collapse such a duplicate.
"""

from __future__ import annotations

import logging
import random
import sqlite3
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import redis
from celery import Task, shared_task

from runnerly_common.dates import MAX_DATE, MIN_DATE
from runnerly_common.tasks import SEND_MONTHLY_REPORTS, SEND_REPORT
from strava_worker import mailer, report_mail
from strava_worker.budget import Store
from strava_worker.dataservice import DataserviceError, DataserviceRefused
from strava_worker.redis_store import StoreUnavailable
from strava_worker.runtime import Runtime
from strava_worker.tasks import retry

log = logging.getLogger(__name__)
MARK_SECONDS = 400 * 86400  # well past any re-run of a month: then it may expire
BUSY_COUNTDOWN = 30  # another copy holds the month: look again after this
MONTH_END_COUNTDOWN = 1800  # a month still running in the runner's zone: look again then
# A runner's report queued by a round is not queued again for this long (its task may be
# retrying an SMTP server that is down); then the next round tries once more.
QUEUED_SECONDS = 6 * 3600
LOOK_SECONDS = 60  # the round's hold of a month's reservation while it looks at the marker
# The marker store (Redis, or SQLite on one machine) failing before the mail is out.
STORE_ERRORS = (StoreUnavailable, redis.RedisError, sqlite3.Error)
TRANSIENT = (DataserviceError, mailer.MailError, *STORE_ERRORS)


def _runtime(task: Task) -> Runtime:
    return task.app.runtime  # type: ignore[attr-defined]


def previous_month(today: date) -> tuple[int, int]:
    """The calendar month before ``today``'s: what a report sent on the 1st is about."""
    return (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)


def _backoff(rt: Runtime, failures: int) -> int:
    longest = rt.settings.retry_backoff_max
    return min(2**failures * 2, longest) + random.randint(0, 2)  # noqa: S311


def skip_reason(user: dict[str, Any]) -> str | None:
    """Why this runner gets no mail at all, or None."""
    if user.get("disabled"):
        return "disabled"
    if not (user.get("email") or "").strip():
        return "no_email"
    return None


def _sent_key(runner_id: int, year: int, month: int) -> str:
    return f"report-sent:{runner_id}:{year:04d}-{month:02d}"


def _reservation(runner_id: int, year: int, month: int) -> str:
    return f"report:{runner_id}:{year:04d}-{month:02d}"


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def due_month(
    now: datetime, zone: str | None, report_day: int, hour: int
) -> tuple[int, int] | None:
    """The month whose report is due for a runner at ``now`` (an aware instant): the one
    before their local month once their local time is at or past ``hour`` on their
    ``report_day``; None before that."""
    local = now.astimezone(_zone(zone))
    if (local.day, local.hour) < (report_day, hour):
        return None
    return previous_month(local.date())


def runners_due(
    store: Store, subscribers: Iterable[dict[str, Any]], now: datetime, hour: int
) -> Iterator[tuple[int, int, int]]:
    """(runner, year, month) of each report to queue now, each taken in the store as
    queued for ``QUEUED_SECONDS``; ``subscribers`` as the dataservice lists them.  One at
    a time: a store failing midway leaves no runner marked queued without its task."""
    for runner in subscribers:
        if runner.get("disabled"):
            continue
        month_of = due_month(now, runner.get("timezone"), int(runner["report_day"]), hour)
        if month_of is None:
            continue
        runner_id, (year, month) = int(runner["runner_id"]), month_of
        if _sent_or_busy(store, runner_id, year, month):
            continue
        queued = f"report-queued:{runner_id}:{year:04d}-{month:02d}"
        if store.acquire(queued, "queued", QUEUED_SECONDS):
            yield runner_id, year, month


def _sent_or_busy(store: Store, runner_id: int, year: int, month: int) -> bool:
    """Whether the month is sent, or a task is at it now.  Looked at under the month's
    reservation, as the task does: a look racing the task's marker write could win the
    marker's key for its probe second and make the marker write fail."""
    owner, name = uuid.uuid4().hex, _reservation(runner_id, year, month)
    if not store.acquire(name, owner, LOOK_SECONDS):
        return True
    try:
        return already_sent(store, _sent_key(runner_id, year, month))
    finally:
        _release(store, name, owner)


def already_sent(store: Store, key: str) -> bool:
    """Whether the marker ``key`` is set, with the store's set-if-absent only: a probe
    that wins (no marker) is taken back at once and would expire within a second anyway.
    Called under the month's reservation, so no one sets the marker meanwhile."""
    probe = uuid.uuid4().hex
    if not store.acquire(key, probe, 1):
        return True
    store.release(key, probe)
    return False


def mark_sent(store: Store, key: str, outcome: str = "sent") -> bool:
    return store.acquire(key, outcome, MARK_SECONDS)


def _mark(rt: Runtime, key: str, outcome: str, runner_id: int, year: int, month: int) -> None:
    try:
        mark_sent(rt.store, key, outcome)
    except STORE_ERRORS as exc:  # the next round asks once more: harmless
        log.warning(
            "report %s-%02d of runner %s: %s not recorded: %s", year, month, runner_id, outcome, exc
        )


@shared_task(name=SEND_MONTHLY_REPORTS.name, bind=True, acks_late=True, max_retries=None)
def send_monthly_reports(
    self: Task, year: int | None = None, month: int | None = None, failures: int = 0
) -> dict[str, Any]:
    """Beat's hourly round: a ``send_report`` for each runner whose report is due (the
    module's docstring).  With ``year`` and ``month`` (an operator's re-run): that month's
    report for every runner who wants the report, whatever their day.

    Redelivered, it queues again what is still due, which is harmless: each task is
    idempotent.
    """
    if (year is None) != (month is None) or (
        month is not None
        and year is not None
        and not (1 <= month <= 12 and MIN_DATE.year <= year <= MAX_DATE.year)
    ):
        log.error("no monthly reports for %s-%s: not a month", year, month)
        return {"status": "invalid"}
    rt = _runtime(self)
    queued = 0
    try:
        subscribers = list(rt.dataservice.report_subscribers())
        if year is not None and month is not None:
            due: Iterable[tuple[int, int, int]] = [
                (int(r["runner_id"]), year, month) for r in subscribers if not r.get("disabled")
            ]
        else:
            due = runners_due(rt.store, subscribers, datetime.now(UTC), rt.settings.report_hour)
        for runner_id, report_year, report_month in due:
            send_report.apply_async(
                kwargs={"runner_id": runner_id, "year": report_year, "month": report_month}
            )
            queued += 1
    except (DataserviceError, *STORE_ERRORS) as exc:
        if failures >= rt.settings.max_failures:
            log.error("monthly reports: gave up listing runners: %s", exc)
            return {"status": "error"}
        retry(
            self,
            kwargs={"year": year, "month": month, "failures": failures + 1},
            countdown=_backoff(rt, failures),
            exc=exc,
        )
    log.info("monthly reports: %s of %s runners queued", queued, len(subscribers))
    return {"status": "queued", "runners": queued}


@shared_task(
    name=SEND_REPORT.name, bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None
)
def send_report(
    self: Task, runner_id: int, year: int, month: int, failures: int = 0
) -> dict[str, Any]:
    """Send ``runner_id`` the report of ``year``-``month`` unless it was sent already."""
    rt = _runtime(self)
    kwargs = {"runner_id": runner_id, "year": year, "month": month}
    reservation, owner = _reservation(runner_id, year, month), uuid.uuid4().hex
    try:
        if not rt.store.acquire(reservation, owner, rt.settings.lock_seconds):
            retry(self, kwargs={**kwargs, "failures": failures}, countdown=BUSY_COUNTDOWN)
        try:
            result = _send_once(rt, runner_id, year, month)
        finally:
            _release(rt.store, reservation, owner)
    except DataserviceRefused as exc:  # a 4xx: asking again gets the same answer
        log.error("report %s-%02d of runner %s refused: %s", year, month, runner_id, exc)
        return {"status": "refused"}
    except TRANSIENT as exc:
        if failures >= rt.settings.max_failures:
            log.error("report %s-%02d of runner %s: gave up: %s", year, month, runner_id, exc)
            return {"status": "error"}
        log.warning("report %s-%02d of runner %s: %s", year, month, runner_id, exc)
        retry(
            self,
            kwargs={**kwargs, "failures": failures + 1},
            countdown=_backoff(rt, failures),
            exc=exc,
        )
    except mailer.MailRejected as exc:
        log.error("report %s-%02d of runner %s refused: %s", year, month, runner_id, exc)
        return {"status": "rejected"}
    if result["status"] == "month_not_over":
        retry(self, kwargs={**kwargs, "failures": failures}, countdown=MONTH_END_COUNTDOWN)
    log.info("report %s-%02d of runner %s: %s", year, month, runner_id, result["status"])
    return result


def _release(store: Store, name: str, owner: str) -> None:
    try:
        store.release(name, owner)
    except STORE_ERRORS as exc:  # it expires by itself; the outcome stands
        log.warning("could not release %s: %s", name, exc)


def _send_once(rt: Runtime, runner_id: int, year: int, month: int) -> dict[str, Any]:
    key = _sent_key(runner_id, year, month)
    if already_sent(rt.store, key):
        return {"status": "already_sent"}
    user = rt.dataservice.user(runner_id)
    if user is None:
        return {"status": "gone"}
    reason = skip_reason(user)
    if reason:
        return {"status": reason}
    preferences = rt.dataservice.email_preferences(runner_id)
    if preferences is None:
        return {"status": "gone"}
    if not preferences["monthly_report"]:  # turned off since the round queued it
        return {"status": "unsubscribed"}
    report = rt.dataservice.monthly_report(runner_id, year, month)
    if report is None:
        return {"status": "gone"}
    if report.get("in_progress"):
        # Beat fans out on UTC's 1st; west of UTC the runner's month is not over yet (their
        # calendar is local): the task comes back once it is.
        return {"status": "month_not_over"}
    if report["runs_count"] == 0:
        # Settled for the month like a sent one: the hourly rounds do not ask again.
        _mark(rt, key, "no_runs", runner_id, year, month)
        return {"status": "no_runs"}
    links = report_mail.Links.make(
        rt.settings.public_url,
        preferences["unsubscribe_token"],
        rt.settings.unsubscribe_mailto,
    )
    message = report_mail.build_message(report, user, rt.settings.smtp_from, links)
    mailer.send(rt.settings, message)
    try:
        marked = mark_sent(rt.store, key)
    except Exception:  # the mail is out: never let this become a retry, i.e. a 2nd copy
        log.exception("report %s-%02d of runner %s sent, not recorded", year, month, runner_id)
        marked = False
    return {"status": "sent", "recorded": marked, "to": user["email"]}
