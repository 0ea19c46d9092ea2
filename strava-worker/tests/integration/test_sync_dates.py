"""Strava activities dated outside Runnerly's dates (1970-01-01..2100-12-31) are set aside
with their reason: the rest of the history arrives, and the sync cursor stays on a date it
can store."""

from __future__ import annotations

from datetime import datetime

import requests

from runnerly_common.tasks import SYNC_RUNNER


def test_activities_outside_the_dates_are_set_aside_and_the_rest_arrives(runner, start_worker, sim):
    odd = {}
    for name, start in [("Y10K", "9999-12-31T08:00:00Z"), ("Next century", "2150-05-01T08:00:00Z")]:
        created = requests.post(
            f"{sim}/admin/athletes/{runner.athlete}/activities",
            json={"name": name, "sport_type": "Run", "start_date": start},
            timeout=5,
        )
        assert created.status_code == 201, created.text
        odd[str(created.json()["id"])] = start
    expected = {k: v for k, v in runner.running_activities().items() if k not in odd}

    worker = start_worker()
    worker.send(SYNC_RUNNER, user_id=runner.user_id)
    link = runner.wait_synced()

    assert set(runner.runs()) == set(expected)
    assert link["sync_error"] is None
    assert datetime.fromisoformat(link["sync_cursor"]).year < 2100
    body = runner.http.get(f"{runner.ds}/api/v1/users/{runner.user_id}/set-aside", timeout=5)
    aside = {item["external_id"]: item for item in body.json()["items"]}
    for activity_id in odd:
        assert "start date" in aside[activity_id]["reason"], aside
        assert f"Strava activity {activity_id} set aside" in worker.log()
