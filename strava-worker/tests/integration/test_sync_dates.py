"""Strava activities dated outside Runnerly's dates (1970-01-01..2100-12-31) are skipped:
the rest of the history arrives, and the sync cursor stays on a date it can store."""

from __future__ import annotations

from datetime import datetime

import requests


def test_activities_outside_the_dates_are_skipped_and_the_rest_arrives(runner, start_worker, sim):
    odd = {}
    for name, start in [("Y10K", "9999-12-31T08:00:00Z"), ("Before time", "1960-05-01T08:00:00Z")]:
        created = requests.post(
            f"{sim}/admin/athletes/{runner.athlete}/activities",
            json={"name": name, "sport_type": "Run", "start_date": start},
            timeout=5,
        )
        assert created.status_code == 201, created.text
        odd[str(created.json()["id"])] = start
    expected = {k: v for k, v in runner.running_activities().items() if k not in odd}

    worker = start_worker()
    worker.send("sync_runner", user_id=runner.user_id)
    link = runner.wait_synced()

    assert set(runner.runs()) == set(expected)
    assert link["sync_error"] is None
    assert datetime.fromisoformat(link["sync_cursor"]).year < 2100
    for activity_id in odd:
        assert f"Strava activity {activity_id} skipped" in worker.log()
