"""Enqueue a runner's Strava sync on the worker's broker (the first one, and "Sync now").

Only the task's name and arguments cross over, as :mod:`runnerly_common.tasks` defines them:
the web app does not import the worker.  Without a broker setting, or when the broker is
down, nothing is lost: the link is stored as ``pending`` and the worker's beat round
(``sync_all``) syncs every link, so the first sync then waits for the next round instead of
starting at once.
"""

from __future__ import annotations

import logging

from celery import Celery

from runnerly_common.celery_context import propagate_request_ids
from runnerly_common.tasks import SYNC_RUNNER

log = logging.getLogger(__name__)


class SyncQueue:
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

    def enqueue_sync(self, user_id: int) -> bool:
        """Queue a sync of the runner (the first one, or "Sync now"); True when the task is
        on the broker.  Two in a row cost nothing: the worker's per-runner lock makes the
        second a no-op."""
        if not self.broker_url:
            return False
        try:
            SYNC_RUNNER.send(self._app(), {"user_id": user_id}, retry=False)
        except Exception as exc:  # noqa: BLE001 - any broker failure: beat's round covers it
            log.warning("could not enqueue a sync of runner %s: %s", user_id, exc)
            return False
        return True
