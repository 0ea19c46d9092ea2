"""Sending the worker's tasks on its broker, by name (:mod:`runnerly_common.tasks`): the
web app never imports the worker.

One Celery app per broker URL, made at the first send; a broker that does not answer
fails the send at once (one connection attempt, no retries) rather than holding the
runner's request: each caller decides what a task that was not queued means (a sync waits
for beat's round; a mail is reported or logged).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from celery import Celery

from runnerly_common.celery_context import propagate_request_ids
from runnerly_common.tasks import TaskDef

log = logging.getLogger(__name__)


class TaskQueue:
    def __init__(self, broker_url: str) -> None:
        self.broker_url = broker_url
        self._celery: Celery | None = None

    def _app(self) -> Celery:
        if self._celery is None:
            propagate_request_ids()  # the task runs under the request id of the click
            # The worker's app name and JSON serializer; its default queue ("celery").
            self._celery = Celery("strava_worker", broker=self.broker_url, set_as_current=False)
            self._celery.conf.update(
                task_serializer="json",
                accept_content=["json"],
                broker_connection_retry_on_startup=False,
                broker_connection_max_retries=1,
                broker_transport_options={"max_retries": 1},
            )
        return self._celery

    def send(self, task: TaskDef, kwargs: Mapping[str, Any]) -> bool:
        """Queue ``task``; True when it is on the broker, False without a broker setting or
        when the broker failed (logged)."""
        if not self.broker_url:
            return False
        try:
            task.send(self._app(), kwargs, retry=False)
        except Exception as exc:  # noqa: BLE001 - any broker failure: the caller decides
            log.warning("could not queue %s: %s", task.function, exc)
            return False
        return True
