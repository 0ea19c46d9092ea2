"""Enqueue a runner's first Strava sync on the worker's broker.

Only the task's name and arguments cross over (``send_task``): the web app does not import
the worker.  Without a broker setting, or when the broker is down, nothing is lost: the
link is stored as ``pending`` and the worker's beat round (``sync_all``) syncs every link,
so the first sync then waits for the next round instead of starting at once.
"""

from __future__ import annotations

import logging

from celery import Celery

log = logging.getLogger(__name__)
TASK = "strava_worker.tasks.sync_runner"


class SyncQueue:
    def __init__(self, broker_url: str) -> None:
        self.broker_url = broker_url
        self._celery: Celery | None = None

    def _app(self) -> Celery:
        if self._celery is None:
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

    def enqueue_first_sync(self, user_id: int) -> bool:
        """True when the task is on the broker."""
        if not self.broker_url:
            return False
        try:
            self._app().send_task(TASK, kwargs={"user_id": user_id}, retry=False)
        except Exception as exc:  # noqa: BLE001 - any broker failure: beat's round covers it
            log.warning("could not enqueue the first sync of runner %s: %s", user_id, exc)
            return False
        return True
