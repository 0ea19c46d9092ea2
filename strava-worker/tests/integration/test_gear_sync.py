"""Shoes from Strava (decision 64): a synced run's gear_id maps to the runner's pair, which
the worker names from Strava's GET /gear/{id}; a pair Strava no longer has keeps its name,
a bike's id is no shoe, and the runner's own choice of shoes survives Strava's next send."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from runnerly_common.tasks import HANDLE_EVENT, SYNC_RUNNER

from .test_reconciliation import _edit_on_strava, _on_strava
from .test_webhooks import eventually


def _gear(runner) -> dict[str, dict[str, Any]]:
    answer = runner.http.get(f"{runner.ds}/api/v1/users/{runner.user_id}/gear", timeout=5)
    assert answer.status_code == 200, answer.text
    return {pair["strava_id"]: pair for pair in answer.json()["items"]}


def test_strava_shoes_become_named_pairs_with_their_runs_distance(runner, start_worker, sim):
    now = datetime.now(UTC).replace(microsecond=0)
    run = {"distance": 8000.0, "moving_time": 2400, "elapsed_time": 2450}
    deleted_pair = _on_strava(sim, runner.athlete, now - timedelta(hours=3), gear_id="g999", **run)
    on_a_bike = _on_strava(sim, runner.athlete, now - timedelta(hours=2), gear_id="b77", **run)
    worker = start_worker()
    worker.send(SYNC_RUNNER, user_id=runner.user_id)
    runner.wait_synced(timeout=120)

    eventually(lambda: _gear(runner).get("g1001", {}).get("brand") == "Nike")
    pairs = _gear(runner)
    assert set(pairs) == {"g1001", "g999"}  # b77 is a bike: no pair
    shoes = pairs["g1001"]
    assert (shoes["name"], shoes["model"]) == ("Nike Pegasus 40", "Pegasus 40")
    assert pairs["g999"]["name"] == "Strava shoes g999"  # Strava answered 404: kept as made
    runs = runner.runs()
    worn = [r for r in runs.values() if r["gear_id"] == shoes["id"] and not r["excluded"]]
    counted = [r for r in worn if r.get("merged_into") is None]
    assert len(worn) > 500
    assert shoes["distance"] == round(sum(r["distance"] for r in counted), 1)
    assert runs[on_a_bike]["gear_id"] is None
    assert runs[deleted_pair]["gear_id"] == pairs["g999"]["id"]

    # The runner moves the g999 run to their Strava pair; Strava then sends it again
    # (a new title: an update event) still naming g999: the runner's choice stays.
    moved = runner.http.patch(
        f"{runner.ds}/api/v1/users/{runner.user_id}/runs/{runs[deleted_pair]['id']}",
        json={"gear_id": shoes["id"]},
        timeout=5,
    )
    assert moved.status_code == 200, moved.text
    _edit_on_strava(sim, deleted_pair, name="Renamed on Strava", distance=8100.0)
    worker.send(
        HANDLE_EVENT,
        event={
            "object_type": "activity",
            "object_id": int(deleted_pair),
            "aspect_type": "update",
            "updates": {"title": "Renamed on Strava"},
            "owner_id": runner.athlete,
            "subscription_id": 1,
            "event_time": int(now.timestamp()),
        },
    )
    eventually(lambda: runner.runs()[deleted_pair]["title"] == "Renamed on Strava", timeout=60)
    again = runner.runs()[deleted_pair]
    assert again["gear_id"] == shoes["id"] and again["distance"] == 8100.0
    assert _gear(runner)["g999"]["runs"] == 0
    assert requests.get(f"{sim}/api/v3/gear/g999", timeout=5).status_code == 401  # no token
