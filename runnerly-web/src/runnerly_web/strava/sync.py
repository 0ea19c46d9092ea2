"""Enqueue a runner's Strava sync on the worker's broker (the first one, and "Sync now").

Only the task's name and arguments cross over, as :mod:`runnerly_common.tasks` defines them:
the web app does not import the worker.  Without a broker setting, or when the broker is
down, nothing is lost: the link is stored as ``pending`` and the worker's beat round
(``sync_all``) syncs every link, so the first sync then waits for the next round instead of
starting at once.
"""

from __future__ import annotations

from runnerly_common.tasks import SYNC_RUNNER
from runnerly_web.task_queue import TaskQueue


class SyncQueue(TaskQueue):
    def enqueue_sync(self, user_id: int) -> bool:
        """Queue a sync of the runner (the first one, or "Sync now"); True when the task is
        on the broker.  Two in a row cost nothing: the worker's per-runner lock makes the
        second a no-op."""
        return self.send(SYNC_RUNNER, {"user_id": user_id})
