"""The Celery app, configured from :class:`WorkerSettings` (Flask's ``celery_init_app`` idea).

Tasks live in :mod:`strava_worker.tasks` as ``@shared_task`` so tests can build an app of
their own; they find the per-process :class:`Runtime` on ``task.app.runtime``.
Late acknowledgement with one prefetched task: a worker killed mid-task leaves its task
on the broker for another worker, and idempotent tasks make the redo harmless.

Two queues (docs/decisions.md, 32): ``fetch_streams`` goes to ``streams``, everything else
to ``celery``, and each is taken by a worker process of its own (``--queues``), so a
backlog of streams never holds a pool slot a sync needs.  A worker started without
``--queues`` takes both, as one queue did before.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from celery import Celery
from celery.schedules import crontab
from kombu import Exchange, Queue

from runnerly_common.celery_context import (
    JsonBeat,
    JsonWorker,
    RequestIdTask,
    json_worker_logs,
    propagate_request_ids,
)
from runnerly_common.tasks import (
    EXPIRE_EXPORTS,
    QUEUES,
    SEND_MONTHLY_REPORTS,
    SYNC_ALL,
    SYNC_QUEUE,
    task_routes,
)
from strava_worker.beat import SYNC_ENTRY
from strava_worker.observability import install_observability
from strava_worker.runtime import Runtime
from strava_worker.settings import WorkerSettings

# Each task's queue comes with its definition, which every sender uses too.
TASK_ROUTES = task_routes()


class WorkerApp(Celery):
    """The worker's app; ``celery worker`` and ``celery beat`` run its programs, which log
    JSON lines only (no printed banner)."""

    runtime: Runtime

    @cached_property
    def Worker(self) -> Any:  # Celery's name
        return self.subclass_with_self(JsonWorker)

    @cached_property
    def Beat(self) -> Any:  # Celery's name
        return self.subclass_with_self(JsonBeat)


def make_celery(settings: WorkerSettings) -> WorkerApp:
    app = WorkerApp(
        "strava_worker",
        broker=settings.broker_url,
        include=[
            "strava_worker.tasks",
            "strava_worker.report_tasks",
            "strava_worker.mail_tasks",
            "strava_worker.export_tasks",
        ],
        # A message without a request id gets one on arrival: its "received" line has it.
        task_cls=RequestIdTask,
    )
    app.runtime = Runtime(settings)
    # Each task runs with the request id of whoever queued it; worker and beat log JSON.
    propagate_request_ids()
    json_worker_logs("strava-worker")
    # /healthz, /readyz and /metrics on METRICS_PORT, in `celery worker` only (not beat).
    install_observability(app)
    # The Strava bulk export's import (docs/decisions.md, 59).
    app.conf.include = [*app.conf.include, "strava_worker.archive_tasks"]
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=SYNC_QUEUE,
        # Each queue its own exchange and key, as Celery makes its default one: a queue
        # bound to another's key would receive its messages too.
        task_queues=[Queue(name, Exchange(name), routing_key=name) for name in QUEUES],
        task_routes=TASK_ROUTES,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        timezone="UTC",
        broker_connection_retry_on_startup=True,
        # A lost broker (Redis restarted, failed over) is retried for as long as it takes;
        # Celery's default gives up after 100 tries and the worker exits.
        broker_connection_retry=True,
        broker_connection_max_retries=None,
        # A task's own sends (its retry, the next page's task) wait out a short broker
        # restart (about 20 s) instead of failing at once: a failed send ends in a reject
        # that cannot reach the broker either, and kombu's worker has crashed on that.
        task_publish_retry_policy={
            "max_retries": 12,
            "interval_start": 0,
            "interval_step": 0.5,
            "interval_max": 2,
        },
        beat_schedule_filename="var/celerybeat-schedule",
        # Sends only while it holds the beat lock: a second beat waits as a standby.
        beat_scheduler="strava_worker.beat:LockedScheduler",
        beat_schedule={
            SYNC_ENTRY: SYNC_ALL.beat_entry(
                float(settings.sync_interval), {"interval": settings.sync_interval}
            ),
            # Every hour: the reports of runners whose chosen day (and REPORT_HOUR, in
            # their time zone) has come; the task works out who and which month.
            "monthly-reports": SEND_MONTHLY_REPORTS.beat_entry(crontab(minute=0)),
            # Runners' exports past their time, deleted with their bytes (decision 55).
            "expire-exports": EXPIRE_EXPORTS.beat_entry(3600.0),
        },
        worker_hijack_root_logger=False,
        # KiB; None leaves children alone.
        worker_max_memory_per_child=settings.max_memory_per_child_mb * 1024 or None,
    )
    if settings.broker_url.startswith(("redis://", "rediss://")):
        app.conf.broker_transport_options = redis_transport_options(settings)
    return app


def redis_transport_options(settings: WorkerSettings) -> dict[str, Any]:
    """A task whose worker died (SIGKILL, OOM, a lost machine) stays in Redis's "unacked"
    set; a live worker puts it back in the queue once it is ``visibility_timeout`` old.
    kombu only looks every interval × throttle seconds (100 s by default), so look every
    tenth of the timeout: the redelivery is at most 10% late."""
    timeout = settings.visibility_timeout
    return {
        "visibility_timeout": timeout,
        "unacked_restore_interval": max(1, min(timeout // 10, 300)),
        "unacked_restore_throttle": 1,
    }
