"""The worker's /healthz, /readyz and /metrics, served by its main process: what an operator
scrapes and probes while real tasks run in the pool's children."""

from __future__ import annotations

import os
import signal
import time

import pytest
import requests

from runnerly_common.tasks import SYNC_RUNNER

from .helpers import Worker

DAILY_LIMIT = 50_000  # far above what a session spends: "remaining" is never clipped at 0


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def sim_daily_usage(sim: str) -> int:
    """strava-sim's count of the day's requests, read without counting one."""
    usage = requests.get(f"{sim}/admin/rate-limits", timeout=5).json()["usage"]
    return int(usage["X-ReadRateLimit-Usage"].split(",")[1])


def wait_for_value(worker: Worker, name: str, expected: float, **labels: str) -> dict:
    deadline = time.monotonic() + 10
    while True:
        samples = worker.scrape()
        if value(samples, name, **labels) == expected or time.monotonic() > deadline:
            return samples
        time.sleep(0.2)


def test_a_sync_in_a_pool_child_is_counted_once_with_the_strava_budget_it_spent(
    runner, start_worker, sim
):
    # A sync worker: the streams the sync sends wait in their own queue, so the requests
    # counted are the sync's own.
    worker = start_worker(pool="prefork", rate_limit_daily=str(DAILY_LIMIT))
    before = sim_daily_usage(sim)
    worker.send(SYNC_RUNNER, user_id=runner.user_id)
    link = runner.wait_synced()

    done = {"task": "sync_runner", "outcome": "done"}
    samples = wait_for_value(worker, "strava_worker_tasks_total", 1, **done)
    assert value(samples, "strava_worker_tasks_total", **done) == 1
    sync_outcomes = [
        (dict(labels), count)
        for (name, labels), count in samples.items()
        if name == "strava_worker_tasks_total" and ("task", "sync_runner") in labels
    ]
    assert sync_outcomes == [(done, 1.0)]
    assert value(samples, "strava_worker_task_duration_seconds_count", task="sync_runner") == 1

    # One Strava call per page, and one GET /athlete once the backfill is in (a link made
    # without the web app learns its athlete's name once, athletes.ensure_named), and one
    # GET /gear/{id} for the one pair of shoes strava-sim's runs wear, new to this runner
    # (decision 64); the budget left is the day's limit less Strava's own count.
    after = sim_daily_usage(sim)
    assert after - before == link["pages_done"] + 1 + 1
    remaining = value(samples, "strava_worker_strava_budget_remaining", window="day")
    assert remaining == DAILY_LIMIT - after

    lag = value(samples, "strava_worker_sync_lag_seconds")
    assert 0 < lag < 10
    time.sleep(1.5)
    assert value(worker.scrape(), "strava_worker_sync_lag_seconds") >= lag + 1  # an age
    assert value(samples, "strava_worker_queue_length") == 0

    # The child that counted dies (the OOM killer): its counts stay in the sums.
    (child,) = worker.children()
    os.kill(child, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while worker.children() in ([], [child]):
        assert time.monotonic() < deadline, worker.log()
        time.sleep(0.1)
    assert value(worker.scrape(), "strava_worker_tasks_total", **done) == 1


def test_readyz_names_each_dependency_and_fails_on_the_ones_down(
    start_worker, private_redis, worker_env
):
    worker = start_worker(broker_url=private_redis.url(1), redis_url=private_redis.url(2))
    ready = requests.get(f"{worker.metrics_url}/readyz", timeout=5)
    assert ready.status_code == 200, ready.text
    body = ready.json()
    assert body["status"] == "ready" and body["service"] == "strava-worker"
    assert set(body["checks"]) == {"broker", "store", "dataservice", "tokendealer"}
    assert all(check["ok"] for check in body["checks"].values()), body

    private_redis.stop()
    started = time.monotonic()
    down = requests.get(f"{worker.metrics_url}/readyz", timeout=10)
    assert time.monotonic() - started < 3
    assert down.status_code == 503
    checks = down.json()["checks"]
    assert not checks["broker"]["ok"] and "Connection refused" in checks["broker"]["error"]
    assert not checks["store"]["ok"] and "Connection refused" in checks["store"]["error"]
    assert checks["dataservice"]["ok"] and checks["tokendealer"]["ok"]
    assert worker_env["STRAVA_WORKER_CLIENT_SECRET"] not in down.text
    # The process itself is fine: restarting it would not bring Redis back.
    assert requests.get(f"{worker.metrics_url}/healthz", timeout=5).status_code == 200


def test_beat_serves_no_metrics(start_worker):
    beat = start_worker("beat")
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{beat.metrics_url}/healthz", timeout=2)
