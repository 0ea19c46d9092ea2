"""The heatmap through /api/web: the runner's routes, revalidated by ETag, private."""

from __future__ import annotations

from typing import Any

from .helpers import Browser, gpx_file


def test_an_uploaded_run_is_on_the_heatmap_and_an_unchanged_one_is_a_304(
    browser: Browser, runner: dict[str, Any]
) -> None:
    empty = browser.get("/api/web/heatmap")
    assert empty.status_code == 200, empty.json
    assert (empty.json["routes"], empty.json["runs"]) == ([], 0)
    created = browser.post(
        "/api/web/runs/import?filename=morning.gpx",
        data=gpx_file("2024-05-04T07:00:00Z"),
        headers={"Content-Type": "application/octet-stream"},
    )
    assert created.status_code == 201, created.json
    first = browser.get("/api/web/heatmap?year=2024&sport=Run")
    assert first.status_code == 200, first.json
    assert first.json["routes"] == [created.json["polyline"]]
    assert first.json["years"] == [2024] and first.json["sports"] == ["Run"]
    assert first.headers["Cache-Control"] == "private, no-cache"
    etag = first.headers["ETag"]
    again = browser.get("/api/web/heatmap?year=2024&sport=Run", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    # Another year is another answer, with its own validator.
    other = browser.get("/api/web/heatmap?year=2023", headers={"If-None-Match": etag})
    assert other.status_code == 200 and other.json["routes"] == []
    browser.delete(f"/api/web/runs/{created.json['id']}")
    gone = browser.get("/api/web/heatmap?year=2024&sport=Run", headers={"If-None-Match": etag})
    assert gone.status_code == 200 and gone.json["routes"] == []


def test_a_bad_year_is_a_400_naming_it(browser: Browser, runner: dict[str, Any]) -> None:
    response = browser.get("/api/web/heatmap?year=10000")
    assert response.status_code == 400
    assert "year" in response.json["message"]


def test_without_a_session_it_is_401(new_browser: Any) -> None:
    response = new_browser().get("/api/web/heatmap")
    assert response.status_code == 401
