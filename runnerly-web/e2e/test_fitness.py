"""The demo runner's training load on the Fitness page: today's fitness, fatigue and form in
words and their chart over a chosen span, at desktop and phone width (issue 20, decision 61)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from e2e.accessibility import assert_accessible
from e2e.runner import assert_page_ran_clean, shot
from runnerly_common.testing.procfile import ROOT, ProcfileStack

TODAY = re.compile(r"Fitness \d+, fatigue \d+, form [−+]?\d+: you are ")
SETTINGS = {"max_hr": 188, "rest_hr": 52, "threshold_pace": 270}


def log_in_as_demo(page: Page) -> None:
    lines = (ROOT / "var" / "dev" / "runnerly.env").read_text().splitlines()
    pairs = dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))
    page.goto("/login")
    page.get_by_label("Email").fill("demo@runnerly.local")
    page.get_by_label("Password").fill(pairs["RUNNERLY_DEMO_PASSWORD"].strip())
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    # The first sync of the demo's Strava history may still be running: wait for its runs.
    deadline = time.monotonic() + 180
    while page.request.get("/api/web/strava").json().get("sync_state") not in ("idle", None):
        assert time.monotonic() < deadline, "the demo runner's first sync did not finish"
        time.sleep(1)


@pytest.fixture
def demo_with_heart_rates(page: Page) -> Iterator[str]:
    """The demo runner logged in, with max and resting heart rate and a threshold pace (runs
    with heart rate give TRIMP, the others a pace-based load); their profile as it was after."""
    log_in_as_demo(page)
    csrf = page.request.get("/api/web/session").json()["csrf_token"]
    before = page.request.get("/api/web/profile").json()
    changed = page.request.patch("/api/web/profile", data=SETTINGS, headers={"X-CSRF-Token": csrf})
    assert changed.status == 200, changed.text()
    try:
        yield csrf
    finally:
        page.request.patch(
            "/api/web/profile",
            data={key: before.get(key) for key in SETTINGS},
            headers={"X-CSRF-Token": csrf},
        )


def test_the_demo_runner_sees_fitness_fatigue_and_form(
    stack: ProcfileStack, page: Page, artifacts: Path, demo_with_heart_rates: str
) -> None:
    days = page.request.get("/api/web/fitness?from=2000-01-01&to=2003-12-31")
    assert days.status == 400  # more than three years: refused, naming the field
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Fitness").click()
    expect(page).to_have_title(re.compile("^Fitness"))
    section = page.get_by_role("region", name="Fitness and fatigue")
    expect(section.get_by_role("status").first).to_have_text(TODAY)
    today = date.fromisoformat(page.request.get("/api/web/fitness").json()["today"])
    year_ago = (today - timedelta(days=364)).isoformat()
    deadline = time.monotonic() + 180  # beat's first round imports the demo's history
    while not any(
        d["load"] > 0 for d in page.request.get(f"/api/web/fitness?from={year_ago}").json()["days"]
    ):
        assert time.monotonic() < deadline, "the demo runner's year has no training load"
        time.sleep(2)
    chart = section.get_by_role("img", name=re.compile("Fitness, fatigue and form per day"))
    expect(chart).to_be_visible()
    expect(section).to_contain_text("max 188, resting 52 bpm")
    section.get_by_role("button", name="1 year").click()
    expect(page).to_have_url(re.compile(r"/fitness\?span=1y$"))
    expect(section.get_by_role("button", name="1 year")).to_have_attribute("aria-pressed", "true")
    section.get_by_role("group", name=re.compile("Fitness, fatigue and form")).focus()
    page.keyboard.press("ArrowLeft")
    expect(section.locator(".chart__tip")).to_contain_text("fitness")
    shot(page, artifacts, "fitness")
    assert_accessible(page, "the Fitness page")

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(section.get_by_role("status").first).to_have_text(TODAY)
    box = chart.bounding_box()
    assert box and box["width"] <= 390, box
    shot(page, artifacts, "fitness-phone")
    assert_accessible(page, "the Fitness page at 390 px")
    assert_page_ran_clean(page)
