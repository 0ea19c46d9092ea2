"""The worker's ``/healthz``, ``/readyz`` and ``/metrics``, wired to Celery's signals.

Only ``celery worker`` sends ``worker_init`` (beat and the clients that import the app
never do), in its main process before the pool forks: there the metrics directory is
prepared, the task signals are connected (the children inherit them) and the HTTP server
starts on ``METRICS_PORT`` (0: none of this).  ``worker_shutdown`` stops the server; the
directory goes when the main process exits.  A port already taken stops the worker at
start, by name.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Celery
from celery.signals import (
    task_postrun,
    task_prerun,
    worker_init,
    worker_process_shutdown,
    worker_shutdown,
)

from runnerly_common.metrics import mark_process_dead, prepare_multiprocess_dir
from strava_worker import metrics
from strava_worker.health_server import HealthServer
from strava_worker.readiness import Dependencies, windows_of
from strava_worker.settings import WorkerSettings

log = logging.getLogger(__name__)
SERVICE = "strava-worker"
_UID = "strava_worker.observability"


def install_observability(app: Celery) -> None:
    """Serve the worker's health and metrics when ``app`` runs as ``celery worker``."""

    def on_worker_init(sender: Any = None, **_: Any) -> None:
        if getattr(sender, "app", None) is app:
            # Celery is Any here, and the `is` test above narrows ``app`` to Any | None.
            start(app, app.runtime.settings)  # type: ignore[union-attr]

    worker_init.connect(on_worker_init, weak=False, dispatch_uid=f"{_UID}.init.{id(app)}")


def start(app: Celery, settings: WorkerSettings) -> HealthServer | None:
    if not settings.metrics_port:
        return None
    prepare_multiprocess_dir(SERVICE)
    metrics.task_series()  # made before the fork, so every child writes to the same series
    task_prerun.connect(metrics.task_started, weak=False, dispatch_uid=f"{_UID}.prerun")
    task_postrun.connect(metrics.task_finished, weak=False, dispatch_uid=f"{_UID}.postrun")
    worker_process_shutdown.connect(_child_exited, weak=False, dispatch_uid=f"{_UID}.child")

    deps = Dependencies(settings, app.conf.task_default_queue or "celery")
    collector = metrics.StoreCollector(lambda: deps.store, windows_of(settings), deps.queue.length)
    try:
        server = HealthServer(
            settings.metrics_host,
            settings.metrics_port,
            deps.readiness(),
            lambda accept: metrics.render(collector, accept),
            SERVICE,
        )
    except OSError as exc:
        # SystemExit, not an exception Celery's signal dispatch would log and swallow.
        raise SystemExit(
            f"strava-worker: cannot serve /metrics on {settings.metrics_host}:"
            f"{settings.metrics_port} ({exc.strerror}); set {settings.env_name('metrics_port')}"
            " to a free port, or 0 for none"
        ) from exc
    server.start()

    def on_shutdown(**_: Any) -> None:
        server.stop()

    worker_shutdown.connect(on_shutdown, weak=False, dispatch_uid=f"{_UID}.shutdown")
    return server


def _child_exited(pid: int | None = None, **_: Any) -> None:
    if pid:
        mark_process_dead(pid)
