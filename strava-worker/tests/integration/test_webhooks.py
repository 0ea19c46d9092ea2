"""Changes on Strava reach Runnerly through webhook events, without a full sync."""

from __future__ import annotations

import time
from collections.abc import Callable

import requests

from runnerly_common.tasks import SYNC_RUNNER


def eventually(check: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.2)


def test_an_edit_and_a_deletion_on_strava_propagate(runner, start_worker, webhook, sim):
    worker = start_worker()
    worker.send(SYNC_RUNNER, user_id=runner.user_id)
    runner.wait_synced()
    first, second, third = list(runner.running_activities())[:3]

    response = requests.put(f"{sim}/admin/activities/{first}", json={"name": "Renamed"}, timeout=5)
    response.raise_for_status()
    eventually(lambda: runner.runs()[first]["title"] == "Renamed")

    requests.delete(f"{sim}/admin/activities/{second}", timeout=5).raise_for_status()
    eventually(lambda: second not in runner.runs())

    # No longer a run: it leaves Runnerly too.
    requests.put(f"{sim}/admin/activities/{third}", json={"sport_type": "Ride"}, timeout=5)
    eventually(lambda: third not in runner.runs())
    assert len(runner.runs()) == len(runner.running_activities())


def test_a_new_activity_arrives_by_event(runner, start_worker, webhook, sim):
    worker = start_worker()
    worker.send(SYNC_RUNNER, user_id=runner.user_id)
    runner.wait_synced()
    created = requests.post(
        f"{sim}/admin/athletes/{runner.athlete}/activities",
        json={"name": "Fresh run", "sport_type": "Run", "distance": 8000.0},
        timeout=5,
    )
    assert created.status_code == 201, created.text
    new_id = str(created.json()["id"])
    eventually(lambda: new_id in runner.runs())
    assert runner.runs()[new_id]["title"] == "Fresh run"


def test_a_runner_revoking_access_is_unlinked_and_keeps_their_runs(
    runner, start_worker, webhook, sim
):
    worker = start_worker()
    worker.send(SYNC_RUNNER, user_id=runner.user_id)
    runner.wait_synced()
    kept = len(runner.runs())
    requests.post(f"{sim}/admin/athletes/{runner.athlete}/revoke", timeout=5).raise_for_status()
    eventually(lambda: runner.link() == {})
    assert len(runner.runs()) == kept
