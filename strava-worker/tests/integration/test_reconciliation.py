"""Strava as it is, not as strava-sim used to be: late uploads, edits that send no event,
deletions whose event is lost, absurd values, pages in either order, and a refresh whose
answer never arrives.  Each loses runs or blocks a runner unless the sync re-reads."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from runnerly_common.tasks import SYNC_RUNNER
from runnerly_common.testing import link_strava_athlete

from .test_webhook_trust import _strava_requests
from .test_webhooks import eventually


def _on_strava(sim: str, athlete: int, start: datetime, **fields: Any) -> str:
    """An activity uploaded now, starting at ``start``, whose create event is lost."""
    body = {"name": "Late run", "sport_type": "Run", **fields}
    body["start_date"] = start.isoformat().replace("+00:00", "Z")
    created = requests.post(
        f"{sim}/admin/athletes/{athlete}/activities",
        params={"notify": "false"},
        json=body,
        timeout=5,
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def _edit_on_strava(sim: str, activity_id: str, **fields: Any) -> None:
    answer = requests.put(
        f"{sim}/admin/activities/{activity_id}", params={"notify": "false"}, json=fields, timeout=5
    )
    assert answer.status_code == 200, answer.text


def _syncs_done(worker, runner, count: int, timeout: float = 60) -> str:
    """Wait for the runner's ``count``-th finished sync; returns its log line."""
    marker = f"sync of runner {runner.user_id}: {{'status': 'done'"
    eventually(lambda: worker.log().count(marker) >= count, timeout=timeout)
    return worker.log().split(marker)[count].split("\n")[0]


def _set_aside(runner) -> dict[str, dict[str, Any]]:
    body = runner.http.get(f"{runner.ds}/api/v1/users/{runner.user_id}/set-aside", timeout=5)
    assert body.status_code == 200, body.text
    return {item["external_id"]: item for item in body.json()["items"]}


def _cursor(link: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(link["sync_cursor"])


@pytest.fixture
def list_order(sim: str) -> Iterator[Any]:
    """Set strava-sim's page order for one test; Strava's reported order after it."""

    def _set(order: str) -> None:
        answer = requests.post(f"{sim}/admin/list-order", json={"list_order": order}, timeout=5)
        assert answer.status_code == 200, answer.text

    yield _set
    _set("strava")


def test_a_late_upload_whose_event_was_lost_arrives_with_the_next_reconciliation(
    runner, start_worker, sim
):
    worker = start_worker()
    worker.send(SYNC_RUNNER, user_id=runner.user_id)
    cursor = _cursor(runner.wait_synced())
    # A watch that synced a day late, and a run uploaded ten days after it was run.
    yesterday = _on_strava(sim, runner.athlete, cursor - timedelta(days=1), distance=8000.0)
    ten_days = _on_strava(sim, runner.athlete, cursor - timedelta(days=10), distance=12000.0)

    worker.send(SYNC_RUNNER, user_id=runner.user_id)
    _syncs_done(worker, runner, 2)
    runs = runner.runs()
    assert yesterday in runs, "the look-back behind the cursor reads a day-late upload"
    assert ten_days not in runs  # beyond the look-back: the daily reconciliation's part
    worker.stop()

    worker = start_worker(reconcile_interval="1")  # every sync is due to reconcile
    time.sleep(1.5)  # one RECONCILE_INTERVAL after the last sync
    spent = _strava_requests(sim)
    worker.send(SYNC_RUNNER, user_id=runner.user_id)
    line = _syncs_done(worker, runner, 1)
    assert "'reconciled': True" in line, line
    assert runner.runs()[ten_days]["distance"] == 12000.0
    # 30 days of this athlete fit one page: the reconciliation took one request.
    assert _strava_requests(sim) - spent == 1
    assert runner.link()["reconciled_at"]


def test_a_silent_edit_and_a_deletion_whose_event_was_lost_arrive(runner, start_worker, sim):
    worker = start_worker(reconcile_interval="1")
    worker.send(SYNC_RUNNER, user_id=runner.user_id)
    cursor = _cursor(runner.wait_synced())
    runs = runner.runs()
    since = cursor - timedelta(days=25)
    recent = sorted(
        (rid for rid in runs if datetime.fromisoformat(runs[rid]["start_time"]) > since),
        key=lambda rid: runs[rid]["start_time"],
    )
    assert len(recent) >= 3
    cropped, moved, deleted = recent[0], recent[1], recent[2]
    # Strava sends no event for a new distance, a crop or a new start time.
    _edit_on_strava(sim, cropped, distance=4321.0, moving_time=1500, elapsed_time=1600)
    new_start = datetime.fromisoformat(runs[moved]["start_time"]) - timedelta(hours=3)
    _edit_on_strava(sim, moved, start_date=new_start.isoformat().replace("+00:00", "Z"))
    answer = requests.delete(
        f"{sim}/admin/activities/{deleted}", params={"notify": "false"}, timeout=5
    )
    assert answer.status_code == 204, answer.text

    time.sleep(1.5)  # the backfill reconciled: one RECONCILE_INTERVAL (1 s) must pass
    worker.send(SYNC_RUNNER, user_id=runner.user_id)
    line = _syncs_done(worker, runner, 2)
    after = runner.runs()
    assert after[cropped]["distance"] == 4321.0 and after[cropped]["moving_time"] == 1500
    assert datetime.fromisoformat(after[moved]["start_time"]) == new_start
    assert deleted not in after
    assert "'deleted': 1" in line, line


def test_an_out_of_range_activity_stops_neither_its_page_nor_later_syncs(runner, start_worker, sim):
    # A fresh day of budget: the checks may spend a quarter of the day, which the session's
    # earlier tests (strava-sim's day is 24 h, its windows 10 s) may have spent already.
    reset = requests.post(f"{sim}/admin/rate-limits", json={"reset_usage": True}, timeout=5)
    assert reset.status_code == 200, reset.text
    # A watch left running: 1,168 hours, as a real Strava run has reported.
    newest = max(runner.running_activities().values(), key=lambda a: a["start_date"])
    start = datetime.fromisoformat(newest["start_date"].replace("Z", "+00:00"))
    runaway = _on_strava(
        sim, runner.athlete, start - timedelta(days=40), name="Forgot to stop",
        elapsed_time=4_204_800, moving_time=3000, distance=10000.0,
    )  # fmt: skip
    expected = set(runner.running_activities()) - {runaway}

    worker = start_worker(per_page="20")  # its page holds 19 other activities
    worker.send(SYNC_RUNNER, user_id=runner.user_id)
    link = runner.wait_synced()
    assert set(runner.runs()) == expected
    assert link["sync_error"] is None and link["backfill_before"] is None
    aside = _set_aside(runner)[runaway]
    assert aside["reason"].startswith("Its elapsed time (") and aside["title"] == "Forgot to stop"

    # Later syncs go on; the runner crops it on Strava and the next reconciliation brings it
    # in, though it started before the weeks the reconciliation reads, and though the
    # backfill may have spent the checks' share of the window it runs in (they wait for it).
    _edit_on_strava(sim, runaway, elapsed_time=3100)
    fresh = _on_strava(sim, runner.athlete, _cursor(link) + timedelta(minutes=5))
    worker.stop()
    worker = start_worker(reconcile_interval="1")
    time.sleep(1.5)  # the backfill reconciled: one RECONCILE_INTERVAL (1 s) must pass
    worker.send(SYNC_RUNNER, user_id=runner.user_id)
    line = _syncs_done(worker, runner, 1)
    assert "'reconciled': True" in line, line
    runs = runner.runs()
    assert fresh in runs and runs[runaway]["elapsed_time"] == 3100
    assert runaway not in _set_aside(runner)


@pytest.mark.parametrize("order", ["newest", "oldest"])
def test_backfill_and_incremental_read_everything_in_either_page_order(
    order, runner, start_worker, sim, list_order
):
    list_order(order)
    expected = runner.running_activities()
    worker = start_worker(per_page="200", max_pages_per_run="2")  # resumes between runs
    sent = datetime.now(UTC)
    worker.send(SYNC_RUNNER, user_id=runner.user_id)
    link = runner.wait_synced(timeout=120)
    assert set(runner.runs()) == set(expected)
    ids = runner.run_ids()
    assert len(ids) == len(set(ids))
    assert link["runs_imported"] == len(expected)
    newest_listed = max(datetime.fromisoformat(a["start_date"].replace("Z", "+00:00"))
                        for a in expected.values())  # fmt: skip
    # The newest start, unless it lies ahead of the sync (then the sync's own time).
    assert _cursor(link) >= min(newest_listed, sent)
    worker.stop()

    # 13 runs uploaded late (within the look-back), two in one second, read five a page
    # and two pages a run: the incremental sync resumes between runs in this order too.
    cursor = _cursor(link)
    offsets = [-3600 - 60 * i for i in range(13)]
    offsets[3] = offsets[2]
    for i, offset in enumerate(offsets):
        _on_strava(sim, runner.athlete, cursor + timedelta(seconds=offset), name=f"Late {i}")
    worker = start_worker(per_page="5", max_pages_per_run="2")
    worker.send(SYNC_RUNNER, user_id=runner.user_id)
    expected = runner.running_activities()
    eventually(lambda: set(runner.runs()) == set(expected), timeout=60)
    _syncs_done(worker, runner, 1)
    assert "'resume'" in worker.log()
    assert _cursor(runner.link()) >= cursor
    ids = runner.run_ids()
    assert len(ids) == len(set(ids)) == len(expected)


def test_a_lost_refresh_answer_does_not_unlink_and_a_reconnect_resumes(
    runner, start_worker, sim, dataservice
):
    worker = start_worker()
    worker.send(SYNC_RUNNER, user_id=runner.user_id)
    synced = runner.wait_synced()
    kept = len(runner.runs())
    # Strava rotates the refresh token in an answer that never reaches the worker.
    expired = requests.post(f"{sim}/admin/athletes/{runner.athlete}/expire-token", timeout=5)
    expired.raise_for_status()
    armed = requests.post(f"{sim}/admin/faults", json={"lose_refresh_answers": 1}, timeout=5)
    assert armed.status_code == 200, armed.text

    worker.send(SYNC_RUNNER, user_id=runner.user_id)
    eventually(lambda: runner.link().get("sync_state") == "reconnect", timeout=60)
    link = runner.link()
    assert link["athlete_id"] == runner.athlete, "the link is kept"
    assert "refresh token" in link["sync_error"]
    assert len(runner.runs()) == kept
    assert link["sync_cursor"] == synced["sync_cursor"]
    assert "unanswered" in worker.log() or "502" in worker.log()

    # The runner connects again: the sync goes on from where it was, not from scratch.
    link_strava_athlete(
        requests.Session(), sim, runner.http, f"{runner.ds}/api/v1", runner.user_id,
        runner.athlete, timeout=5,
    )  # fmt: skip
    assert runner.link()["sync_state"] == "pending"
    fresh = _on_strava(sim, runner.athlete, _cursor(synced) + timedelta(minutes=1))
    worker.send(SYNC_RUNNER, user_id=runner.user_id)
    eventually(lambda: fresh in runner.runs(), timeout=30)
    link = runner.wait_synced()
    assert link["pages_done"] == synced["pages_done"], "no second backfill"
    time.sleep(0.5)
    assert len(runner.runs()) == kept + 1


def test_a_batch_the_dataservice_refuses_stores_all_but_the_refused_run(runner, worker_env):
    """Should the dataservice still refuse what the worker let through (a bound the worker
    does not know of), the batch is halved down to the refused run: it is set aside with
    the dataservice's reason and every other run is stored."""
    from strava_worker import batches
    from strava_worker.mapping import Page, sort_page
    from strava_worker.runtime import Runtime
    from strava_worker.settings import WorkerSettings

    rt = Runtime(WorkerSettings.load(environ=worker_env))
    base = {"sport_type": "Run", "distance": 5000.0, "moving_time": 1500, "elapsed_time": 1500}
    page = sort_page(
        [{**base, "id": 9_000_000_000 + i, "name": f"Run {i}",
          "start_date": f"2026-01-{i + 1:02d}T07:00:00Z"} for i in range(9)]
    )  # fmt: skip
    page.runs[4]["title"] = "Tempo\x00"  # what the mapping would have cleaned: NUL

    counts = batches.store(rt, runner.user_id, Page(runs=page.runs))

    assert counts["created"] == 8 and counts["set_aside"] == 1
    assert set(runner.runs()) == {str(9_000_000_000 + i) for i in range(9)} - {"9000000004"}
    aside = _set_aside(runner)["9000000004"]
    assert aside["reason"] == "Runnerly could not store it: title: must not contain NUL characters"
    assert aside["title"] == "Tempo"
