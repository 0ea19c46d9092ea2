"""A run recorded twice is one run through /api/web: a second file of it merges, the runner
splits it apart and merges it again; a merge with itself or another runner's run is 422
naming the field."""

from __future__ import annotations

from typing import Any

from .helpers import Browser, gpx_file


def _upload(browser: Browser, start: str, name: str) -> dict[str, Any]:
    created = browser.post(
        f"/api/web/runs/import?filename={name}",
        data=gpx_file(start),
        headers={"Content-Type": "application/octet-stream"},
    )
    assert created.status_code == 201, created.json
    return created.json


def test_a_second_file_of_a_run_is_one_run_that_the_runner_can_split_and_merge_again(
    browser: Browser, runner: dict[str, Any]
) -> None:
    watch = _upload(browser, "2024-05-04T07:00:00Z", "watch.gpx")
    phone = _upload(browser, "2024-05-04T07:00:05Z", "phone.gpx")
    assert phone["merged_into"] == watch["id"]
    month = browser.get("/api/web/runs/2024/5").json
    assert month["count"] == 1 and month["distance"] == watch["distance"]
    shown = browser.get(f"/api/web/runs/{watch['id']}").json
    assert [(m["source"], m["file_type"]) for m in shown["merged_from"]] == [
        ("file", "gpx"),
        ("file", "gpx"),
    ]

    split = browser.post(f"/api/web/runs/{watch['id']}/split")
    assert split.status_code == 200, split.json
    assert [r["id"] for r in split.json["items"]] == [watch["id"], phone["id"]]
    assert browser.get("/api/web/runs/2024/5").json["count"] == 2
    again = browser.post(f"/api/web/runs/{watch['id']}/split")
    assert again.status_code == 409 and again.json["errors"][0]["field"] == "path.run_id"

    merged = browser.post(f"/api/web/runs/{phone['id']}/merge", json={"run_id": watch["id"]})
    assert merged.status_code == 200, merged.json
    assert merged.json["id"] == watch["id"]
    assert browser.get("/api/web/runs/2024/5").json["count"] == 1


def test_merging_with_itself_or_a_run_that_is_not_the_runner_s_is_422_naming_run_id(
    browser: Browser, runner: dict[str, Any]
) -> None:
    run = _upload(browser, "2024-05-04T07:00:00Z", "watch.gpx")
    for other in (run["id"], 10**12):
        refused = browser.post(f"/api/web/runs/{run['id']}/merge", json={"run_id": other})
        assert refused.status_code == 422, refused.json
        assert refused.json["errors"][0]["field"] == "body.run_id"
    assert browser.get("/api/web/runs/2024/5").json["count"] == 1
