"""The Celery app, configured from :class:`WorkerSettings` (Flask's ``celery_init_app`` idea).

Tasks live in :mod:`strava_worker.tasks` as ``@shared_task`` so tests can build an app of
their own; they find the per-process :class:`Runtime` on ``task.app.runtime``.
Late acknowledgement with one prefetched task: a worker killed mid-task leaves its task
on the broker for another worker, and idempotent tasks make the redo harmless.
"""

from __future__ import annotations

from typing import Any

from celery import Celery
from celery.signals import beat_init

from strava_worker.runtime import Runtime
from strava_worker.settings import WorkerSettings


class WorkerApp(Celery):
    runtime: Runtime


@beat_init.connect
def _first_round(sender: Any, **_: Any) -> None:
    """Beat's first interval would wait ``SYNC_INTERVAL``: start a round (and the webhook
    subscription) at once, so a fresh stack syncs without a manual step."""
    app = sender.app
    app.send_task(
        "strava_worker.tasks.sync_all", kwargs={"interval": app.runtime.settings.sync_interval}
    )
    if app.runtime.settings.webhook_callback_url:
        app.send_task("strava_worker.tasks.subscribe_webhook")


def make_celery(settings: WorkerSettings) -> WorkerApp:
    app = WorkerApp("strava_worker", broker=settings.broker_url, include=["strava_worker.tasks"])
    app.runtime = Runtime(settings)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        timezone="UTC",
        broker_connection_retry_on_startup=True,
        beat_schedule_filename="var/celerybeat-schedule",
        beat_schedule={
            "sync-all": {
                "task": "strava_worker.tasks.sync_all",
                "schedule": float(settings.sync_interval),
                "kwargs": {"interval": settings.sync_interval},
            }
        },
        worker_hijack_root_logger=False,
    )
    if settings.broker_url.startswith(("redis://", "rediss://")):
        # Redis redelivers an unacknowledged task after this; longer than any countdown we
        # set (a day-long wait is left to beat instead of a countdown).
        app.conf.broker_transport_options = {"visibility_timeout": 2 * 3600}
    return app
