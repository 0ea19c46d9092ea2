"""The run list's search through /api/web: words, days, distance, pages; bad filters named."""

from __future__ import annotations

from typing import Any

import pytest

from .helpers import Browser, fields_of, gpx_file


def _upload(browser: Browser, start: str, points: int = 60) -> dict[str, Any]:
    created = browser.post(
        f"/api/web/runs/import?filename=run-{start[:10]}.gpx",
        data=gpx_file(start, points),
        headers={"Content-Type": "application/octet-stream"},
    )
    assert created.status_code == 201, created.json
    return created.json


def test_the_runner_finds_runs_by_words_days_and_distance(
    browser: Browser, runner: dict[str, Any]
) -> None:
    short = _upload(browser, "2024-05-04T07:00:00Z")  # ~1.8 km
    long = _upload(browser, "2024-05-06T07:00:00Z", points=200)  # ~6 km
    third = _upload(browser, "2024-05-08T07:00:00Z")
    renamed = browser.patch(f"/api/web/runs/{long['id']}", json={"title": "Hills at 100% effort"})
    assert renamed.status_code == 200, renamed.json

    def ids(query: str) -> list[int]:
        answer = browser.get(f"/api/web/runs?{query}")
        assert answer.status_code == 200, answer.json
        return [r["id"] for r in answer.json["items"]]

    assert ids("") == [third["id"], long["id"], short["id"]]  # newest first
    assert ids("q=100%25") == [long["id"]]
    assert ids("q=1_0") == []  # an underscore is an underscore
    assert ids("q=riverside") == [third["id"], short["id"]]
    assert ids("from_day=2024-05-05&to_day=2024-05-08") == [third["id"], long["id"]]
    assert ids("min_distance=3000") == [long["id"]]
    assert ids("max_distance=3000&sport=Run") == [third["id"], short["id"]]
    latest = browser.get("/api/web/runs?per_page=1&page=2").json
    assert latest["total"] == 3 and [r["id"] for r in latest["items"]] == [long["id"]]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from_day=2024-05-05&to_day=2024-05-01", "query.to_day"),
        ("min_distance=5000&max_distance=1000", "query.max_distance"),
        ("min_distance=-3", "query.min_distance"),
        ("per_page=1000", "query.per_page"),
        ("from_day=soon", "query.from_day"),
    ],
)
def test_a_bad_filter_is_400_naming_it(
    browser: Browser, runner: dict[str, Any], query: str, field: str
) -> None:
    answer = browser.get(f"/api/web/runs?{query}")
    assert answer.status_code == 400, answer.json
    assert fields_of(answer) == {field}


def test_without_a_session_the_search_is_401(new_browser: Any) -> None:
    assert new_browser().get("/api/web/runs").status_code == 401
