"""Strava does not sign webhook events and athlete and activity ids are public, so anyone
can POST an event to the callback.  An event is a hint: the worker confirms with Strava
before it deletes a run or unlinks a runner, and a flood of events costs Strava's budget
at most one fetch per athlete per interval."""

from __future__ import annotations

import time
from typing import Any

import requests

from runnerly_common.tasks import SYNC_RUNNER
from runnerly_common.testing import link_strava_athlete

from .conftest import SIM_SECRET
from .test_webhooks import eventually


def _subscription_id(sim: str) -> int:
    answer = requests.get(
        f"{sim}/api/v3/push_subscriptions",
        params={"client_id": "1000", "client_secret": SIM_SECRET},
        timeout=5,
    )
    return int(answer.json()[0]["id"])


def _forge(webhook: str, sim: str, **event: Any) -> None:
    """POST an event as an attacker would: the right shape, ids that are public."""
    body = {
        "subscription_id": _subscription_id(sim),
        "event_time": int(time.time()),
        "updates": {},
        **event,
    }
    answer = requests.post(f"{webhook}/webhook", json=body, timeout=5)
    assert answer.status_code == 200, answer.text


def _rename_on_strava(sim: str, activity_id: str, name: str) -> None:
    answer = requests.put(f"{sim}/admin/activities/{activity_id}", json={"name": name}, timeout=5)
    answer.raise_for_status()


def _newest_runs(runner) -> list[str]:
    runs = runner.runs()
    return sorted(runs, key=lambda rid: runs[rid]["start_time"], reverse=True)


def _strava_requests(sim: str) -> int:
    """The day's API requests strava-sim counted (the admin API is not counted)."""
    usage = requests.get(f"{sim}/admin/rate-limits", timeout=5).json()["usage"]
    return int(usage["X-ReadRateLimit-Usage"].split(",")[1])


def test_a_forged_deletion_deletes_nothing(runner, start_worker, webhook, sim):
    worker = start_worker()
    worker.send(SYNC_RUNNER, user_id=runner.user_id)
    runner.wait_synced()
    victim, witness = _newest_runs(runner)[:2]

    _forge(webhook, sim, object_type="activity", object_id=int(victim), aspect_type="delete",
           owner_id=runner.athlete)  # fmt: skip
    # A real event after it: once it is applied, the forged one has been handled too.
    _rename_on_strava(sim, witness, "After the forgery")
    eventually(lambda: runner.runs()[witness]["title"] == "After the forgery")
    time.sleep(2)
    assert victim in runner.runs()


def test_a_forged_deauthorization_unlinks_nothing(runner, start_worker, webhook, sim):
    worker = start_worker()
    worker.send(SYNC_RUNNER, user_id=runner.user_id)
    runner.wait_synced()

    _forge(webhook, sim, object_type="athlete", object_id=runner.athlete, aspect_type="update",
           owner_id=runner.athlete, updates={"authorized": "false"})  # fmt: skip
    witness = _newest_runs(runner)[0]
    _rename_on_strava(sim, witness, "After the forgery")
    eventually(lambda: runner.runs().get(witness, {}).get("title") == "After the forgery")
    time.sleep(2)
    link = runner.link()
    assert link and link["sync_state"] != "deauthorized", link

    # The link still works: a new run on Strava arrives.
    created = requests.post(
        f"{sim}/admin/athletes/{runner.athlete}/activities",
        json={"name": "Still linked", "sport_type": "Run", "distance": 5000.0},
        timeout=5,
    )
    assert created.status_code == 201, created.text
    eventually(lambda: str(created.json()["id"]) in runner.runs())


def test_a_real_deletion_and_a_real_revocation_arrive_within_seconds(
    runner, start_worker, webhook, sim
):
    worker = start_worker()
    worker.send(SYNC_RUNNER, user_id=runner.user_id)
    runner.wait_synced()
    gone = _newest_runs(runner)[0]

    started = time.monotonic()
    requests.delete(f"{sim}/admin/activities/{gone}", timeout=5).raise_for_status()
    eventually(lambda: gone not in runner.runs(), timeout=10)
    assert time.monotonic() - started < 10

    kept = len(runner.runs())
    started = time.monotonic()
    requests.post(f"{sim}/admin/athletes/{runner.athlete}/revoke", timeout=5).raise_for_status()
    eventually(lambda: runner.link() == {}, timeout=10)
    assert time.monotonic() - started < 10
    assert len(runner.runs()) == kept


def test_a_run_made_private_leaves_when_the_token_may_not_see_private_activities(
    runner, start_worker, webhook, sim, dataservice
):
    """Without ``activity:read_all`` Strava answers 404 for a private activity: to this
    runner's token it is gone, so its run goes too (the event alone proved nothing)."""
    link_strava_athlete(
        requests.Session(),
        sim,
        runner.http,
        dataservice.api,
        runner.user_id,
        runner.athlete,
        scope="read,activity:read",
        timeout=5,
    )
    worker = start_worker()
    worker.send(SYNC_RUNNER, user_id=runner.user_id)
    runner.wait_synced()
    hidden = _newest_runs(runner)[0]
    answer = requests.put(f"{sim}/admin/activities/{hidden}", json={"private": True}, timeout=5)
    answer.raise_for_status()
    eventually(lambda: hidden not in runner.runs(), timeout=10)


def test_a_flood_of_events_costs_at_most_two_strava_requests(runner, start_worker, webhook, sim):
    interval = 5
    worker = start_worker(event_interval=str(interval))
    worker.send(SYNC_RUNNER, user_id=runner.user_id)
    runner.wait_synced()
    newest = _newest_runs(runner)[:40]
    time.sleep(1)
    before = _strava_requests(sim)

    for activity_id in newest:
        _forge(webhook, sim, object_type="activity", object_id=int(activity_id),
               aspect_type="update", owner_id=runner.athlete, updates={"title": "x"})  # fmt: skip
    # The real edit among them still arrives.
    _rename_on_strava(sim, newest[0], "Renamed in the flood")
    eventually(lambda: runner.runs()[newest[0]]["title"] == "Renamed in the flood")
    time.sleep(interval * 2 + 2)  # any drain still due has run
    spent = _strava_requests(sim) - before
    assert spent <= 2, f"{len(newest) + 1} events cost {spent} Strava requests"


def test_a_run_with_an_impossible_heart_rate_arrives_without_it_and_nothing_retries(
    runner, start_worker, webhook, sim
):
    worker = start_worker(fresh=True)  # its metrics count this test's tasks only
    worker.send(SYNC_RUNNER, user_id=runner.user_id)
    runner.wait_synced()
    # 999 bpm: Strava keeps what the device said; the dataservice would refuse it (400).
    created = requests.post(
        f"{sim}/admin/athletes/{runner.athlete}/activities",
        json={"name": "Broken strap", "sport_type": "Run", "average_heartrate": 999.0},
        timeout=5,
    )
    assert created.status_code == 201, created.text

    def outcomes() -> dict[str, float]:
        found: dict[str, float] = {}
        for (name, labels), value in worker.scrape().items():
            if name == "strava_worker_tasks_total" and dict(labels)["task"] != "sync_runner":
                outcome = dict(labels)["outcome"]
                found[outcome] = found.get(outcome, 0) + value
        return found

    run_id = str(created.json()["id"])
    eventually(lambda: run_id in runner.runs(), timeout=20)
    assert runner.runs()[run_id]["average_hr"] is None  # left out: the run is right without it
    assert runner.runs()[run_id]["distance"] == 5000.0
    time.sleep(2)
    assert "retry" not in outcomes(), outcomes()


def test_a_refresh_refused_for_our_own_credentials_unlinks_nobody(runner, start_worker, sim):
    """Only Strava refusing the athlete's refresh token is a revocation: a wrong
    application secret (401 naming client_secret) is our fault, not the runner's."""
    worker = start_worker(strava_client_secret="not-the-secret")
    expired = requests.post(f"{sim}/admin/athletes/{runner.athlete}/expire-token", timeout=5)
    expired.raise_for_status()
    worker.send(SYNC_RUNNER, user_id=runner.user_id)
    eventually(lambda: runner.link().get("sync_state") in ("error", None), timeout=30)
    link = runner.link()
    assert link, "the runner was unlinked over the application's own credentials"
    assert link["sync_state"] == "error"
    assert "client_secret" in link["sync_error"]
