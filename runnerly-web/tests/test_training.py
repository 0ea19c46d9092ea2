"""Training plans through /api/web as the Plans page uses them: generate again without
piling up, change one session, and the dashboard's next session."""

from __future__ import annotations

from typing import Any

from tests.helpers import Browser, fields_of


def _sessions(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for week in plan["weeks"] for s in week["sessions"]]


def test_pressing_generate_twice_leaves_one_plan(browser: Browser, runner: dict[str, Any]) -> None:
    race = browser.post(
        "/api/web/races", json={"name": "River 10k", "date": "2031-10-12", "distance": 10000}
    ).json
    first = browser.post(f"/api/web/races/{race['id']}/plan", json={"weeks": 8})
    again = browser.post(f"/api/web/races/{race['id']}/plan", json={"weeks": 8})
    assert (first.status_code, again.status_code) == (201, 200)
    assert [p["id"] for p in browser.get("/api/web/plans").json["items"]] == [first.json["id"]]
    assert again.json["id"] == first.json["id"]


def test_a_session_is_moved_skipped_and_the_dashboard_shows_what_is_next(
    browser: Browser, runner: dict[str, Any]
) -> None:
    race = browser.post(
        "/api/web/races", json={"name": "Lake half", "date": "2031-10-12", "distance": 21097}
    ).json
    plan = browser.post(f"/api/web/races/{race['id']}/plan", json={"weeks": 8}).json
    first, second = _sessions(plan)[:2]
    url = f"/api/web/plans/{plan['id']}/sessions/{first['id']}"
    skipped = browser.patch(url, json={"skipped": True})
    assert skipped.status_code == 200, skipped.json
    assert _sessions(skipped.json)[0]["status"] == "skipped"
    outside = browser.patch(url, json={"date": "2020-01-06"})
    assert outside.status_code == 400 and fields_of(outside) == {"body.date"}
    following = browser.get("/api/web/training/next")
    assert following.status_code == 200, following.json
    assert following.json["race"]["id"] == race["id"]
    assert following.json["plan"]["id"] == plan["id"]
    assert following.json["session"]["id"] == second["id"]
