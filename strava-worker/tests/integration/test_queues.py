"""Syncs and activity streams on queues of their own, each taken by a worker of its own
(docs/decisions.md, 32): a backlog of streams never keeps a runner's new sync waiting."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from runnerly_common.tasks import FETCH_STREAMS, SYNC_RUNNER, TaskDef
from strava_worker.factory import make_celery
from strava_worker.settings import WorkerSettings

from .test_reconciliation import _on_strava
from .test_webhooks import eventually

# Streams tasks queued ahead of the sync, 20 runs (20 Strava requests) each: on one queue,
# about a minute of work before the sync's turn.
BACKLOG = 20
PROMPT = 15  # seconds: an incremental sync of one page, with streams fetched meanwhile
LIMITS = (
    "rate_limit_15min",
    "rate_limit_daily",
    "rate_limit_overall_15min",
    "rate_limit_overall_daily",
)
LIFTED = 10_000_000


@pytest.fixture
def lifted_limits(sim: str) -> Iterator[dict[str, str]]:
    """Strava's limits lifted, as in the chaos suite: the streams' share of the budget
    never stops them then.  The sim's limits are restored and its counts reset after."""
    before = requests.get(f"{sim}/admin/rate-limits", timeout=5).json()["limits"]
    lifted = requests.post(
        f"{sim}/admin/rate-limits",
        json={**dict.fromkeys(LIMITS, LIFTED), "reset_usage": True},
        timeout=5,
    )
    lifted.raise_for_status()
    yield {"rate_limit_15min": str(LIFTED), "rate_limit_daily": str(LIFTED)}
    restored = {name: before[name] for name in LIMITS}
    answer = requests.post(
        f"{sim}/admin/rate-limits", json={**restored, "reset_usage": True}, timeout=5
    )
    answer.raise_for_status()


def send_as_the_worker(
    env: dict[str, str], task: TaskDef, kwargs: dict[str, Any], count: int
) -> None:
    """Queue ``count`` tasks as the worker's own sends do: through its app's routes."""
    app = make_celery(WorkerSettings.load(environ=env))
    try:
        for _ in range(count):
            task.send(app, kwargs)
    finally:
        app.close()


def _streams_fetched(runner) -> int:
    body = runner.http.get(f"{runner.ds}/api/v1/users/{runner.user_id}/strava/streams", timeout=5)
    body.raise_for_status()
    return int(body.json()["fetched"])


def test_a_backlog_of_streams_keeps_no_new_sync_waiting(runner, start_worker, sim, lifted_limits):
    syncs = start_worker(**lifted_limits)
    streams = start_worker(queues="streams", **lifted_limits)
    syncs.send(SYNC_RUNNER, user_id=runner.user_id)
    runner.wait_synced()
    assert len(runner.running_activities()) > BACKLOG * 20  # each task has 20 runs to fetch

    send_as_the_worker(syncs.env, FETCH_STREAMS, {"user_id": runner.user_id}, BACKLOG)
    # The streams worker is busy with the backlog when the runner's next sync is queued.
    eventually(lambda: _streams_fetched(runner) > 0, timeout=30)
    start = (datetime.now(UTC) - timedelta(hours=1)).replace(microsecond=0)
    new_run = _on_strava(sim, runner.athlete, start, distance=5000, moving_time=1500)
    queued = time.monotonic()
    syncs.send(SYNC_RUNNER, user_id=runner.user_id)
    deadline = queued + PROMPT
    while new_run not in runner.run_ids_since(start.isoformat()):
        assert time.monotonic() < deadline, (
            f"the new run not stored {PROMPT} s after its sync was queued:\n{syncs.log()[-3000:]}"
        )
        time.sleep(0.2)

    # The backlog is still being worked through, by the streams worker.
    fetched = _streams_fetched(runner)
    eventually(lambda: _streams_fetched(runner) > fetched, timeout=30)
    assert "fetch_streams" in streams.log()
