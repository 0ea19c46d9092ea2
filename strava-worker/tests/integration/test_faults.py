"""Faults in the middle of a backfill: each ends with the dataservice holding exactly the
runner's Strava runs, each once, with nobody enqueueing anything by hand after the fault.

The backfills here page 50 activities at a time (about twenty pages for the ~1,000
activities of an athlete) so that there is a "middle" to hit.
"""

from __future__ import annotations

import os
import re
import signal
import time

import requests

from runnerly_common.tasks import SYNC_RUNNER

from .helpers import Runner

PAGED = {"per_page": "50", "max_pages_per_run": "100"}  # one task does the whole backfill


def wait_for_pages(runner: Runner, pages: int, timeout: float = 30) -> dict:
    """The link once the backfill has stored ``pages`` pages (and is not finished)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        link = runner.link()
        if link.get("pages_done", 0) >= pages:
            assert link["sync_state"] == "backfilling", f"finished before the fault: {link}"
            return link
        time.sleep(0.05)
    raise AssertionError(f"no {pages} pages after {timeout}s: {runner.link()}")


def assert_exactly_the_strava_runs(runner: Runner, link: dict) -> None:
    expected = runner.running_activities()
    stored = runner.run_ids()
    assert len(stored) == len(set(stored)), "duplicated runs"
    assert set(stored) == set(expected)
    assert link["runs_imported"] == len(expected)
    assert link["backfill_before"] is None and link["sync_state"] == "idle"


def test_a_worker_killed_mid_sync_has_its_task_redelivered_and_the_sync_completes(
    runner, start_worker
):
    # Redis hands an unacknowledged task to another worker after the visibility timeout;
    # the killed worker's lock on the runner has expired by then (lock < timeout / 2).
    settings = {**PAGED, "visibility_timeout": "8", "lock_seconds": "4"}
    doomed = start_worker(pool="prefork", **settings)
    task_id = doomed.send(SYNC_RUNNER, user_id=runner.user_id)
    before = wait_for_pages(runner, 3)
    doomed.kill()

    fresh = start_worker(pool="prefork", **settings)
    link = runner.wait_synced(timeout=90)
    assert_exactly_the_strava_runs(runner, link)
    # The same task, redelivered: nothing was sent after the kill.
    assert f"sync_runner[{task_id}] received" in fresh.log()
    assert link["pages_done"] > before["pages_done"]


def test_a_pool_child_killed_mid_sync_is_retried_once_its_lock_expires(runner, start_worker):
    # The OOM killer's way: only the child dies, the main process requeues its task at once
    # (reject_on_worker_lost) and the redelivered task waits for the dead child's lock.
    worker = start_worker(pool="prefork", **PAGED, lock_seconds="8")
    task_id = worker.send(SYNC_RUNNER, user_id=runner.user_id)
    wait_for_pages(runner, 3)
    (child,) = worker.children()
    os.kill(child, signal.SIGKILL)

    link = runner.wait_synced(timeout=60)
    assert_exactly_the_strava_runs(runner, link)
    log = worker.log()
    assert f"sync_runner[{task_id}] retry: Retry in 9s" in log, log  # lock_seconds + 1


def test_a_redis_restart_mid_sync_is_survived_and_beat_resumes_the_sync(
    runner, private_redis, start_worker
):
    # A Redis without persistence loses the queue, the budget and the locks when it
    # restarts: the worker and beat reconnect by themselves, and beat's next round
    # enqueues the runner again; the backfill resumes from the progress in the dataservice.
    settings = {
        **PAGED,
        "broker_url": private_redis.url(0),
        "redis_url": private_redis.url(1),
        "sync_interval": "5",
        "retry_backoff_max": "2",
    }
    worker = start_worker(**settings)
    beat = start_worker("beat", **settings)
    before = wait_for_pages(runner, 3)
    private_redis.stop()
    time.sleep(1.5)
    private_redis.start()

    link = runner.wait_synced(timeout=90)
    assert_exactly_the_strava_runs(runner, link)
    assert link["pages_done"] > before["pages_done"]
    for process in (worker, beat):
        assert process.process is not None and process.process.poll() is None, process.log()
    log = worker.log()
    connected = rf"Connected to redis://\S*127\.0\.0\.1:{private_redis.port}/0"
    assert len(re.findall(connected, log)) >= 2, log  # and again after the restart


def test_the_dataservice_down_for_30_s_delays_the_sync_and_loses_nothing(
    runner, start_worker, dataservice
):
    worker = start_worker(**PAGED, retry_backoff_max="4")
    worker.send(SYNC_RUNNER, user_id=runner.user_id)
    before = wait_for_pages(runner, 3)
    server = dataservice.process
    server.stop()
    try:
        time.sleep(30)
    finally:
        server.start()
    back = time.monotonic()

    link = runner.wait_synced(timeout=60)
    recovered = time.monotonic() - back
    assert_exactly_the_strava_runs(runner, link)
    assert link["pages_done"] > before["pages_done"]
    log = worker.log()
    # The task waited with countdowns (the worker's only slot stayed free), never gave up.
    countdowns = [int(c) for c in re.findall(r"retry: Retry in (\d+)s: DataserviceError", log)]
    assert len(countdowns) >= 5 and max(countdowns) <= 4, log
    assert "gave up" not in log
    assert recovered < 20


def test_a_webhook_create_puts_the_new_run_in_the_dataservice_within_5_s(
    runner, start_worker, webhook, sim
):
    worker = start_worker()
    worker.send(SYNC_RUNNER, user_id=runner.user_id)
    runner.wait_synced()

    started = time.monotonic()
    created = requests.post(
        f"{sim}/admin/athletes/{runner.athlete}/activities",
        json={"name": "Lunch run", "sport_type": "Run", "distance": 6000.0},
        timeout=5,
    )
    assert created.status_code == 201, created.text
    new_id, start = str(created.json()["id"]), created.json()["start_date"]
    while new_id not in runner.run_ids_since(start):
        assert time.monotonic() - started < 5, worker.log()
        time.sleep(0.05)
    took = time.monotonic() - started
    assert took < 5
    assert runner.runs()[new_id]["title"] == "Lunch run"
    log = worker.log()
    assert (
        f"event activity/{new_id} create of athlete {runner.athlete}: {{'status': 'noted'}}" in log
    )
    # The athlete's drain fetched it (one request) and stored it.
    assert f"webhook hints of athlete {runner.athlete}: {{'status': 'created'" in log
    print(f"webhook create → run stored in {took:.2f}s")


def test_a_pool_child_over_its_memory_cap_is_replaced_once_its_task_ends(runner, start_worker):
    # STRAVA_WORKER_MAX_MEMORY_PER_CHILD_MB bounds a child that grows (Celery's retry keeps
    # memory per retry): any child is over 1 MiB, so each is replaced after one task.
    worker = start_worker(pool="prefork", max_memory_per_child_mb="1")
    (first,) = worker.children()
    worker.send(SYNC_RUNNER, user_id=runner.user_id)

    assert_exactly_the_strava_runs(runner, runner.wait_synced(timeout=60))
    deadline = time.monotonic() + 15
    while first in worker.children() or not worker.children():
        assert time.monotonic() < deadline, worker.log()
        time.sleep(0.2)
