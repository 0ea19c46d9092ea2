"""A runner's Strava history reaches Runnerly exactly once, within the rate budget."""

from __future__ import annotations

import math
import re
import time
from datetime import datetime, timedelta

import requests

from runnerly_common.tasks import HANDLE_EVENT, SYNC_ALL, SYNC_RUNNER

from .conftest import WINDOW


def test_a_runner_with_a_thousand_activities_is_fully_synced_exactly_once(runner, start_worker):
    worker = start_worker()
    expected = runner.running_activities()
    assert len(expected) > 500
    started = time.monotonic()
    worker.send(SYNC_RUNNER, user_id=runner.user_id)
    link = runner.wait_synced()
    took = time.monotonic() - started

    runs = runner.runs()
    assert set(runs) == set(expected)
    assert link["runs_imported"] == len(expected)
    assert link["backfill_before"] is None and link["sync_cursor"]
    one = next(iter(expected))
    assert runs[one]["title"] == expected[one]["name"]
    assert took < 60


def test_syncing_again_changes_nothing(runner, start_worker):
    worker = start_worker()
    worker.send(SYNC_RUNNER, user_id=runner.user_id)
    first = runner.wait_synced()
    worker.send(SYNC_RUNNER, user_id=runner.user_id)
    deadline = time.monotonic() + 30
    while worker.log().count(f"sync of runner {runner.user_id}:") < 2:
        assert time.monotonic() < deadline, worker.log()
        time.sleep(0.2)
    again = runner.link()
    assert again["runs_imported"] == first["runs_imported"]
    assert again["pages_done"] == first["pages_done"]
    assert "'created': 0" in worker.log().split(f"sync of runner {runner.user_id}:")[-1]


def test_a_low_budget_stops_the_backfill_and_resumes_next_window_without_sleeping(
    runner, start_worker
):
    worker = start_worker(rate_limit_15min="2", per_page="100")
    started = time.monotonic()
    worker.send(SYNC_RUNNER, user_id=runner.user_id)
    wait_for(worker, "retries in")
    stopped = runner.link()
    assert stopped["sync_state"] == "backfilling"
    assert 0 < stopped["pages_done"] <= 2
    # The only worker slot is free while the sync waits: another task runs at once.
    worker.send(HANDLE_EVENT, event={**EVENT, "owner_id": 99999})
    wait_for(worker, "unknown athlete", timeout=3)

    link = runner.wait_synced(timeout=240)
    assert len(runner.runs()) == len(runner.running_activities())
    deferrals = len(re.findall("retries in", worker.log()))
    assert deferrals >= 2
    assert link["pages_done"] <= 2 * (deferrals + 1)  # never more than the budget per window
    log = worker.log()
    countdowns = [int(c) for c in re.findall(r"retries in (\d+)s", log)]
    assert countdowns and all(0 < c <= WINDOW + 3 for c in countdowns)
    # Two requests per window: the pages took (about) one window each after the first.
    windows = math.ceil(link["pages_done"] / 2)  # the first and last may be partial
    assert time.monotonic() - started >= (windows - 2) * WINDOW
    durations = [float(d) for d in re.findall(r"succeeded in ([\d.]+)s", log)]
    assert durations and max(durations) < 5


def test_a_token_expiring_during_pagination_is_refreshed_and_stored(runner, start_worker, sim):
    first = runner.link()
    worker = start_worker(rate_limit_15min="2", per_page="100")
    worker.send(SYNC_RUNNER, user_id=runner.user_id)
    wait_for(worker, "retries in")
    requests.post(f"{sim}/admin/athletes/{runner.athlete}/expire-token", timeout=5)

    link = runner.wait_synced(timeout=240)
    assert len(runner.runs()) == len(runner.running_activities())
    assert link["access_token"] != first["access_token"]
    assert link["refresh_token"] != first["refresh_token"]  # the rotated pair was stored


def test_a_token_about_to_expire_is_refreshed_before_use(runner, start_worker, sim):
    # Strava returns the same token while more than an hour is left: make it nearly expired.
    requests.post(f"{sim}/admin/athletes/{runner.athlete}/expire-token", timeout=5)
    soon = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 120))
    old = runner.link()
    runner.http.patch(
        f"{runner.ds}/api/v1/users/{runner.user_id}/strava",
        json={
            "access_token": old["access_token"],
            "refresh_token": old["refresh_token"],
            "expires_at": soon,
        },
        timeout=5,
    ).raise_for_status()
    worker = start_worker()
    worker.send(SYNC_RUNNER, user_id=runner.user_id)
    link = runner.wait_synced()
    assert link["access_token"] != old["access_token"]
    assert link["expires_at"] > soon


def test_a_fifth_of_strava_calls_failing_delays_but_loses_nothing(runner, start_worker, sim):
    worker = start_worker(per_page="100")
    requests.post(f"{sim}/admin/faults", json={"error_rate": 0.2}, timeout=5).raise_for_status()
    try:
        worker.send(SYNC_RUNNER, user_id=runner.user_id)
        link = runner.wait_synced(timeout=180)
    finally:
        requests.delete(f"{sim}/admin/faults", timeout=5)
    expected = runner.running_activities()
    assert set(runner.runs()) == set(expected)
    assert link["runs_imported"] == len(expected)


def test_beat_starts_a_round_at_once_and_every_linked_runner_is_synced(runner, start_worker):
    worker = start_worker()
    start_worker("beat", sync_interval="4")
    link = runner.wait_synced()
    assert len(runner.runs()) == len(runner.running_activities())
    assert link["runs_imported"] == len(runner.running_activities())
    wait_for(worker, SYNC_ALL.name, timeout=10)


def wait_for(worker, text: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while text not in worker.log():
        assert time.monotonic() < deadline, worker.log()
        time.sleep(0.1)


EVENT = {
    "object_type": "activity",
    "object_id": 1,
    "aspect_type": "create",
    "updates": {},
    "owner_id": 1,
    "subscription_id": 1,
    "event_time": 0,
}


def test_more_new_activities_than_one_run_reads_all_arrive_and_the_cursor_moves(
    runner, start_worker, sim
):
    first = start_worker()
    first.send(SYNC_RUNNER, user_id=runner.user_id)
    cursor = datetime.fromisoformat(runner.wait_synced()["sync_cursor"])
    first.stop()
    # 13 new runs while the runner was away, a minute apart; two share a second, split by a
    # page boundary.  Each short enough, and the two different enough, to be distinct efforts
    # (two recordings of one effort are merged as one run).
    offsets = [60 * (i + 1) for i in range(13)]
    offsets[3] = offsets[2]
    for i, offset in enumerate(offsets):
        start = (cursor + timedelta(seconds=offset)).isoformat().replace("+00:00", "Z")
        created = requests.post(
            f"{sim}/admin/athletes/{runner.athlete}/activities",
            json={
                "name": f"Away run {i}",
                "sport_type": "Run",
                "start_date": start,
                "distance": 200.0 if i == 3 else 100.0,
                "moving_time": 55 if i == 3 else 30,
                "elapsed_time": 55 if i == 3 else 30,
            },
            timeout=5,
        )
        assert created.status_code == 201, created.text

    # Two pages of five per run: three runs of the task to reach the old cursor.
    worker = start_worker(per_page="5", max_pages_per_run="2")
    worker.send(SYNC_RUNNER, user_id=runner.user_id)
    expected = runner.running_activities()
    deadline = time.monotonic() + 60
    while set(runner.runs()) != set(expected):
        assert time.monotonic() < deadline, worker.log()
        time.sleep(0.3)
    ids = runner.run_ids()
    assert len(ids) == len(set(ids)) == len(expected)
    newest = cursor + timedelta(seconds=max(offsets))
    while datetime.fromisoformat(runner.link()["sync_cursor"]) != newest:
        assert time.monotonic() < deadline, worker.log()
        time.sleep(0.3)
    assert "'resume'" in worker.log()
