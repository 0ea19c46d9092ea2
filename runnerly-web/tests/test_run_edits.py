"""Correcting and deleting a run through /api/web: the change shows at once in the month,
the totals and the records; bad values are 400 naming the field; another runner's run is
404."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

import runnerly_web
from runnerly_common import run_bounds

from .helpers import Browser, fields_of, gpx_file

SPEC = Path(runnerly_web.__file__).with_name("openapi") / "runs.yaml"


def _uploaded(browser: Browser, start: str = "2024-05-04T07:00:00Z") -> dict[str, Any]:
    created = browser.post(
        "/api/web/runs/import?filename=morning.gpx",
        data=gpx_file(start),
        headers={"Content-Type": "application/octet-stream"},
    )
    assert created.status_code == 201, created.json
    return created.json


def test_a_corrected_run_shows_its_edits_and_the_totals_follow(
    browser: Browser, runner: dict[str, Any]
) -> None:
    run = _uploaded(browser)
    assert (run["excluded"], run["edited_fields"], run["workout_type"]) == (False, [], None)
    answer = browser.patch(
        f"/api/web/runs/{run['id']}",
        json={"title": "Hill reps", "distance": 2000.0, "workout_type": "workout"},
    )
    assert answer.status_code == 200, answer.json
    assert answer.json["title"] == "Hill reps" and answer.json["distance"] == 2000.0
    assert answer.json["edited_fields"] == ["distance", "title"]
    assert answer.json["workout_type"] == "workout"
    assert browser.get("/api/web/runs/2024/5").json["distance"] == 2000.0

    excluded = browser.patch(f"/api/web/runs/{run['id']}", json={"excluded": True})
    assert excluded.status_code == 200 and excluded.json["excluded"] is True
    month = browser.get("/api/web/runs/2024/5").json
    assert month["count"] == 1 and month["distance"] == 0
    summary = browser.get("/api/web/stats/summary?date=2024-05-10").json
    assert summary["month"]["count"] == 0
    assert browser.get("/api/web/reports/2024/5").json["runs_count"] == 0


def test_a_deleted_run_is_gone_from_the_month_and_the_totals(
    browser: Browser, runner: dict[str, Any]
) -> None:
    run = _uploaded(browser)
    assert browser.delete(f"/api/web/runs/{run['id']}").status_code == 204
    assert browser.get(f"/api/web/runs/{run['id']}").status_code == 404
    assert browser.get("/api/web/runs/2024/5").json["items"] == []
    assert browser.get("/api/web/stats/summary?date=2024-05-10").json["all_time"]["count"] == 0
    assert browser.delete(f"/api/web/runs/{run['id']}").status_code == 404


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"workout_type": "tempo"}, "body.workout_type"),
        ({"distance": -5}, "body.distance"),
        ({"title": "x" * (run_bounds.TITLE_MAX + 1)}, "body.title"),
        ({"excluded": "yes"}, "body.excluded"),
        ({"moving_time": 10}, "body.moving_time"),  # not something a runner corrects here
        ({}, "body"),
    ],
)
def test_a_bad_value_is_400_naming_the_field_and_changes_nothing(
    browser: Browser, runner: dict[str, Any], changes: dict[str, Any], field: str
) -> None:
    run = _uploaded(browser)
    answer = browser.patch(f"/api/web/runs/{run['id']}", json=changes)
    assert answer.status_code == 400, answer.json
    assert field in fields_of(answer)
    assert browser.get(f"/api/web/runs/{run['id']}").json == run


def test_another_runners_run_cannot_be_corrected_or_deleted(
    browser: Browser, new_browser: Any, runner: dict[str, Any]
) -> None:
    run = _uploaded(browser)
    other = new_browser()
    other.sign_up()
    assert other.patch(f"/api/web/runs/{run['id']}", json={"title": "Mine"}).status_code == 404
    assert other.delete(f"/api/web/runs/{run['id']}").status_code == 404
    assert browser.get(f"/api/web/runs/{run['id']}").json["title"] == run["title"]


def test_without_the_csrf_token_nothing_changes(browser: Browser, runner: dict[str, Any]) -> None:
    run = _uploaded(browser)
    url = f"/api/web/runs/{run['id']}"
    answer = browser.client.patch(url, json={"excluded": True})
    assert answer.status_code == 403 and answer.json["code"] == "csrf_failed"
    assert browser.client.delete(url).status_code == 403
    assert browser.get(url).json["excluded"] is False


def test_the_edit_bounds_are_the_stored_runs():
    """The form's limits are the dataservice's (runnerly_common.run_bounds): a value the web
    accepted would otherwise come back from the dataservice as someone else's error."""
    edit = yaml.safe_load(SPEC.read_text(encoding="utf-8"))["components"]["schemas"]["RunEdit"]
    low, high, _unit = run_bounds.REQUIRED["distance"]
    distance = edit["properties"]["distance"]
    assert (distance["minimum"], distance["maximum"]) == (low, high)
    assert edit["properties"]["title"]["maxLength"] == run_bounds.TITLE_MAX
