"""Records from inside a run through /api/web: the run page's records and splits, a
record's history on the dashboard."""

from __future__ import annotations

from typing import Any

from .helpers import Browser, gpx_file


def test_an_uploaded_run_shows_the_records_it_set_its_splits_and_the_history(
    browser: Browser, runner: dict[str, Any]
) -> None:
    created = browser.post(
        "/api/web/runs/import?filename=morning.gpx",
        data=gpx_file("2024-05-04T07:00:00Z"),
        headers={"Content-Type": "application/octet-stream"},
    )
    assert created.status_code == 201, created.json
    run = created.json
    records = browser.get(f"/api/web/runs/{run['id']}/records")
    assert records.status_code == 200, records.json
    assert [(r["distance"], r["current"]) for r in records.json["items"]] == [
        (400, True),
        (1000, True),
        (1609, True),
    ]
    splits = browser.get(f"/api/web/runs/{run['id']}/splits").json
    assert splits["source"] == "track" and len(splits["km"]) == 2
    assert splits["km"][0]["distance"] == 1000.0
    history = browser.get("/api/web/stats/records/1000/history")
    assert history.status_code == 200, history.json
    assert [i["run_id"] for i in history.json["items"]] == [run["id"]]
    assert browser.get("/api/web/stats/records/3000/history").status_code == 400
