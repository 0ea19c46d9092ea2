"""A new runner's first visit, through the gateway: sign up, connect Strava on strava-sim,
watch the import, open a month, upload a GPX, see it counted and on its map, log out. Every
page (strava-sim's included) must run without a Content-Security-Policy violation."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from e2e.runner import (
    assert_accessible,
    assert_page_ran_clean,
    connect_strava,
    disconnect_strava,
    free_athlete,
    gpx_for,
    shot,
    sign_up,
    totals_count,
)


def assert_charts_readable(page: Page) -> None:
    """Every chart drawn within the phone's width, its axis labels at least 11 px tall as
    drawn, its date labels apart; the weekly chart's tooltip reached from the keyboard."""
    charts = page.locator(".chart svg")
    expect(charts.first).to_be_visible()
    for i in range(charts.count()):
        # Redrawn at the box's new width (ResizeObserver), not scaled down.
        expect(charts.nth(i)).to_have_attribute("width", re.compile(r"^[1-3]\d\d$"))
    labels = page.eval_on_selector_all(
        ".chart svg",
        """svgs => svgs.map(svg => ({
            heights: [...svg.querySelectorAll("text.axis")]
                .map(t => t.getBoundingClientRect().height),
            dates: [...svg.querySelectorAll(".x-axis text")].map(t => {
                const r = t.getBoundingClientRect();
                return [t.textContent, r.left, r.right];
            }),
        }))""",
    )
    for chart in labels:
        assert chart["dates"], "a chart without dates on its x axis"
        assert min(chart["heights"]) >= 11, f"axis labels drawn {min(chart['heights'])} px tall"
        for (a, _, a_right), (b, b_left, _) in pairwise(chart["dates"]):
            assert a_right <= b_left, f"the date labels {a!r} and {b!r} overlap"
    plot = page.get_by_role("group", name=re.compile("^Distance per week"))
    plot.focus()
    page.keyboard.press("ArrowLeft")
    expect(plot.get_by_role("status")).to_contain_text(re.compile(r"^Week of .+: \d"))


def test_keyboard_reaches_and_submits_the_login_form(page: Page, artifacts: Path) -> None:
    page.goto("/login")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    assert_accessible(page, "the login page")
    # From the top of the page, Tab walks skip link → brand → email → password → button.
    order = []
    for _ in range(6):
        page.keyboard.press("Tab")
        order.append(page.evaluate("(e => e.name || e.textContent)(document.activeElement)"))
    assert order.index("email") < order.index("password") < order.index("Log in"), order
    page.get_by_label("Email").focus()
    page.keyboard.type(f"nobody-{secrets.token_hex(4)}@example.com")
    page.keyboard.press("Tab")
    page.keyboard.type("not the password at all")
    page.keyboard.press("Enter")
    # The refusal is shown, and read out, without a mouse.
    expect(page.get_by_role("alert").first).to_be_visible()
    assert_accessible(page, "the login page with its refusal")
    shot(page, artifacts, "00-login-keyboard")
    assert_page_ran_clean(page)


@pytest.mark.parametrize("prefix", ["/api/v1", "/api/web"])
def test_the_api_docs_render_under_their_policy(page: Page, prefix: str) -> None:
    page.goto(f"{prefix}/docs")
    expect(page.locator("section.op").first).to_be_visible()
    # The stylesheet applied: the operations are boxed (it is the page's only style).
    border = page.locator("section.op").first.evaluate("e => getComputedStyle(e).borderTopStyle")
    assert border == "solid"
    assert_page_ran_clean(page)


def test_a_new_runner_journey(page: Page, artifacts: Path, tmp_path: Path) -> None:
    email = f"e2e-{secrets.token_hex(4)}@example.com"
    password = f"correct horse {secrets.token_hex(4)} battery"

    # Sign up.
    page.goto("/signup")
    assert_accessible(page, "the sign-up page")
    sign_up(page, email, password)
    assert_accessible(page, "the empty dashboard")
    shot(page, artifacts, "02-empty-dashboard")

    # Connect Strava: the sim's own authorize page, then back to Runnerly.
    connect_strava(page, free_athlete())
    shot(page, artifacts, "04-connected")

    # The import's progress, then runs.
    page.get_by_role("link", name="Strava", exact=True).click()
    progress = page.get_by_role("status").filter(has_text="activities imported")
    expect(progress).to_contain_text(re.compile(r"Waiting|Importing|Fetching|Up to date"))
    assert_accessible(page, "the Strava page")
    shot(page, artifacts, "05-import-progress")
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("region", name="This year")).to_be_visible(timeout=90_000)
    assert_accessible(page, "the dashboard with runs")
    shot(page, artifacts, "06-dashboard-with-runs")

    # At phone size the charts keep readable labels, dates that do not overlap, and a
    # tooltip the keyboard reaches.
    page.set_viewport_size({"width": 390, "height": 844})
    assert_charts_readable(page)
    shot(page, artifacts, "06b-dashboard-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    # Charts carry a text alternative.
    charts = page.locator("svg[role='img'], [role='img']")
    expect(charts.first).to_be_visible()
    for i in range(charts.count()):
        chart = charts.nth(i)
        label = chart.get_attribute("aria-label")
        if not label and (ids := chart.get_attribute("aria-labelledby")):
            label = " ".join(page.locator(f'[id="{ref}"]').inner_text() for ref in ids.split())
        assert label and label.strip(), f"chart {i} has no text alternative"
    assert page.locator("img:not([alt])").count() == 0

    # Open a month with runs in it.
    start = (datetime.now(UTC) - timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    month = f"/runs/{start.year}/{start.month:02d}"
    page.get_by_role("link", name="Runs", exact=True).click()
    page.goto(month)
    summary = page.get_by_text(re.compile(r"^\d+ runs?, "))
    expect(summary).to_be_visible()
    runs_before = int(summary.inner_text().split()[0])
    assert runs_before > 0, "the Strava import brought no run into this month"
    expect(page.locator(".run-list li")).to_have_count(runs_before)
    assert_accessible(page, "a month's runs")
    shot(page, artifacts, "07-month")
    page.get_by_role("link", name="Dashboard").click()
    month_runs_before = totals_count(page, "This month")

    # Upload a GPX.
    page.get_by_role("link", name="Upload").click()
    assert_accessible(page, "the upload page")
    page.get_by_label("Activity file").set_input_files(str(gpx_for(start, tmp_path / "lunch.gpx")))
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("status").filter(has_text="Imported")).to_be_visible()
    assert_accessible(page, "the upload page after an upload")
    shot(page, artifacts, "08-uploaded")

    page.goto(month)
    expect(page.get_by_role("link", name=re.compile("E2E lunch loop"))).to_be_visible()
    expect(page.get_by_text(re.compile(rf"^{runs_before + 1} runs, "))).to_be_visible()
    shot(page, artifacts, "09-month-after-upload")

    # Found again by its words, and on its day in the month's calendar.
    page.goto("/runs/search?q=lunch%20loop")
    expect(page.get_by_role("link", name=re.compile("E2E lunch loop")).first).to_be_visible()
    assert_accessible(page, "the run search")
    page.goto(f"/calendar/{start.year}/{start.month}")
    expect(page.get_by_role("link", name=re.compile("E2E lunch loop")).first).to_be_visible()
    assert_accessible(page, "the calendar")

    # The run's page draws its track on a Leaflet map (tiles may not load offline).
    page.get_by_role("link", name=re.compile("E2E lunch loop")).click()
    expect(page.locator(".leaflet-container")).to_be_visible()
    expect(page.locator(".leaflet-overlay-pane path")).not_to_have_count(0)  # the track
    assert_accessible(page, "a run's page")
    shot(page, artifacts, "09b-run-map")
    page.get_by_role("link", name="Dashboard").click()
    if start.month == datetime.now(UTC).month:
        this_month = page.get_by_role("region", name="This month")
        expect(this_month.locator("dt:has-text('Runs') + dd")).to_have_text(
            str(month_runs_before + 1)
        )
    expect(page.get_by_role("img", name=re.compile("^Distance per week"))).to_be_visible()
    shot(page, artifacts, "10-dashboard-after-upload")

    disconnect_strava(page)

    # Log out: the dashboard is gone, and coming back asks to log in.
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.goto("/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    assert_accessible(page, "the login page after logging out")
    shot(page, artifacts, "11-logged-out")

    assert_page_ran_clean(page)
