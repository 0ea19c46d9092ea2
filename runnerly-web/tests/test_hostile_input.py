"""Inputs that once answered 500 or 503 through the web app (issue 14): each is now a 4xx
naming the problem, checked by the toolkit before anything reaches the dataservice."""

from __future__ import annotations

from typing import Any

import pytest

from .helpers import Browser, fields_of, gpx_file

RANGE = "must be between 1970-01-01 and 2100-12-31"
DEEP = "[" * 100_000 + "]" * 100_000


def upload(browser: Browser, filename: str, content: bytes) -> Any:
    return browser.post(
        f"/api/web/runs/import?filename={filename}",
        data=content,
        headers={"Content-Type": "application/octet-stream"},
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PATCH", "/api/web/profile"),
        ("POST", "/api/web/races"),
        ("POST", "/api/web/login"),
        ("POST", "/api/web/signup"),
    ],
)
def test_json_nested_100000_deep_is_400_naming_the_depth(
    browser: Browser, runner: dict[str, Any], method: str, path: str
) -> None:
    response = browser._send(method, path, data=DEEP, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json["errors"] == [
        {"field": "body", "message": "is nested deeper than 64 levels"}
    ]


class TestDates:
    @pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1969-12-31", "2101-01-01"])
    def test_a_race_outside_the_range_is_400_naming_its_date(
        self, browser: Browser, runner: dict[str, Any], day: str
    ) -> None:
        response = browser.post(
            "/api/web/races", json={"name": "Far away", "date": day, "distance": 42195}
        )
        assert response.status_code == 400
        assert {"field": "body.date", "message": RANGE} in response.json["errors"]

    def test_a_plan_toward_a_race_on_the_last_day_of_the_range_is_generated(
        self, browser: Browser, runner: dict[str, Any]
    ) -> None:
        race = browser.post(
            "/api/web/races", json={"name": "Centenary", "date": "2100-12-31", "distance": 10000}
        )
        assert race.status_code == 201, race.json
        plan = browser.post(f"/api/web/races/{race.json['id']}/plan", json={})
        assert plan.status_code == 201, plan.json
        assert plan.json["end_date"] == "2100-12-31"

    @pytest.mark.parametrize(
        "query", ["summary?date=9999-12-31", "totals?from=0001-01-01", "totals?to=9999-12-31"]
    )
    def test_stats_over_a_date_outside_the_range_are_400(
        self, browser: Browser, runner: dict[str, Any], query: str
    ) -> None:
        response = browser.get(f"/api/web/stats/{query}")
        assert response.status_code == 400
        assert RANGE in response.json["message"]

    @pytest.mark.parametrize("start", ["9999-12-30T07:00:00Z", "1960-01-01T07:00:00Z"])
    def test_a_file_dated_outside_the_range_is_422(
        self, browser: Browser, runner: dict[str, Any], start: str
    ) -> None:
        response = upload(browser, "old.gpx", gpx_file(start=start))
        assert response.status_code == 422, response.json
        assert RANGE in response.json["message"]


@pytest.mark.parametrize("filename", ["run%00.gpx", "%00%00%00.gpx"])
def test_a_nul_in_an_uploads_file_name_is_400_naming_it(
    browser: Browser, runner: dict[str, Any], filename: str
) -> None:
    response = upload(browser, filename, gpx_file())
    assert response.status_code == 400
    assert fields_of(response) == {"query.filename"}
    assert "NUL" in response.json["message"]


@pytest.mark.parametrize(
    "query",
    ["state=%00&code=%00&scope=read", "state=a%00b&code=x&scope=%00", "error=%00"],
)
def test_a_strava_callback_with_nul_is_not_a_500(
    browser: Browser, runner: dict[str, Any], query: str
) -> None:
    response = browser.get(f"/strava/callback?{query}")
    assert response.status_code < 500
