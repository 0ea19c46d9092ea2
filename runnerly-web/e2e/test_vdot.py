"""The demo runner's fitness figures: race predictions on the Fitness page, and the next
race's predicted time on the dashboard (issue 20, VDOT slice)."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta
from pathlib import Path

from playwright.sync_api import Page, expect

from e2e.runner import assert_accessible, assert_page_ran_clean, shot
from runnerly_common.testing.procfile import ROOT, ProcfileStack

CLOCK = re.compile(r"\d+:\d\d")  # 19:57 or 3:10:49


def demo_password() -> str:
    lines = (ROOT / "var" / "dev" / "runnerly.env").read_text().splitlines()
    pairs = dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))
    return pairs["RUNNERLY_DEMO_PASSWORD"].strip()


def log_in_as_demo(page: Page) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill("demo@runnerly.local")
    page.get_by_label("Password").fill(demo_password())
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    # The first sync of the demo's Strava history may still be running: wait for its runs.
    deadline = time.monotonic() + 180
    while page.request.get("/api/web/strava").json().get("sync_state") not in ("idle", None):
        assert time.monotonic() < deadline, "the demo runner's first sync did not finish"
        time.sleep(1)


def add_race(page: Page, name: str) -> tuple[int, str]:
    csrf = page.request.get("/api/web/session").json()["csrf_token"]
    race = page.request.post(
        "/api/web/races",
        data={
            "name": name,
            "date": (date.today() + timedelta(days=60)).isoformat(),
            "distance": 42195,
        },
        headers={"X-CSRF-Token": csrf},
    )
    assert race.status == 201, race.text()
    return race.json()["id"], csrf


def remove_race(page: Page, race_id: int, csrf: str) -> None:
    gone = page.request.delete(f"/api/web/races/{race_id}", headers={"X-CSRF-Token": csrf})
    assert gone.status in (200, 204), gone.text()


def test_the_dashboard_shows_the_next_races_predicted_time(
    stack: ProcfileStack, page: Page, artifacts: Path
) -> None:
    log_in_as_demo(page)
    name = f"Harbour Marathon {date.today().isoformat()}"
    race_id, csrf = add_race(page, name)
    try:
        page.goto("/")
        line = page.get_by_label("Predicted time for your next race")
        expect(line).to_contain_text(name)
        expect(line).to_contain_text(CLOCK)
        shot(page, artifacts, "vdot-dashboard")
        assert_accessible(page, "the dashboard with the next race's predicted time")
        assert_page_ran_clean(page)
    finally:
        remove_race(page, race_id, csrf)


def test_the_demo_runner_sees_race_predictions_on_the_fitness_page(
    stack: ProcfileStack, page: Page, artifacts: Path
) -> None:
    log_in_as_demo(page)
    page.goto("/fitness")
    predictions = page.get_by_role("region", name="Race predictions")
    for distance in ("5 km", "10 km", "Half marathon", "Marathon"):
        row = predictions.get_by_role("row", name=re.compile(f"^{distance}"))
        expect(row).to_contain_text(CLOCK)
    expect(page.get_by_role("region", name="VDOT", exact=True)).to_contain_text("Current VDOT")
    expect(page.get_by_role("region", name="Marathon shape")).to_contain_text("%")
    expect(page.get_by_role("region", name="Heart-rate zones")).to_be_visible()
    shot(page, artifacts, "vdot-fitness")
    assert_accessible(page, "the Fitness page with VDOT, predictions, shape and zones")

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    table = page.get_by_role("region", name="Race predictions").get_by_role("table")
    expect(table.get_by_role("row", name=re.compile("^Marathon"))).to_contain_text(CLOCK)
    box = table.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, artifacts, "vdot-fitness-phone")
    assert_accessible(page, "the Fitness page's VDOT sections at 390 px")
    assert_page_ran_clean(page)
