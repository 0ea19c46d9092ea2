"""The heatmap, on the stack `make run` starts: the demo runner (three years of strava-sim
runs, each with its summary polyline) opens it from the menu and sees their routes drawn,
with no tile server: the canvas holds pixels that are not the background's; a year chosen
goes to the address and draws that year's routes; at a phone's width too."""

from __future__ import annotations

import re
import time

from playwright.sync_api import Page, expect

from e2e.accessibility import assert_accessible
from e2e.runner import assert_page_ran_clean
from runnerly_common.testing.procfile import ROOT, ProcfileStack

# How many of the canvas's pixels are not the background (#10141c): routes drawn.
LIT_PIXELS = """(canvas) => {
  const { data } = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
  let lit = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i] > 0x10 + 24 || data[i + 1] > 0x14 + 24) lit += 1;
  }
  return lit;
}"""


def _demo_password() -> str:
    for line in (ROOT / "var" / "dev" / "runnerly.env").read_text().splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "RUNNERLY_DEMO_PASSWORD":
            return value.strip()
    raise AssertionError("no RUNNERLY_DEMO_PASSWORD in var/dev/runnerly.env")


def _log_in_as_the_demo_runner(page: Page) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill("demo@runnerly.local")
    page.get_by_label("Password").fill(_demo_password())
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    # Beat's first round imports the demo runner's history: wait for routes to draw.
    deadline = time.monotonic() + 180
    while not page.request.get("/api/web/heatmap").json()["routes"]:
        assert time.monotonic() < deadline, "the demo runner has no routes after 180 s"
        time.sleep(2)


def _lit(page: Page) -> int:
    canvas = page.get_by_role("img", name=re.compile(r"^Heatmap of \d+ routes?, "))
    expect(canvas).to_be_visible()
    expect(canvas).not_to_have_attribute("data-drawn", "0")
    return int(canvas.evaluate(LIT_PIXELS))


def test_the_demo_runner_sees_every_route_on_the_heatmap(stack: ProcfileStack, page: Page) -> None:
    _log_in_as_the_demo_runner(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Heatmap").click()
    expect(page).to_have_title("Heatmap · Runnerly")
    summary = page.get_by_text(re.compile(r"^\d+ routes?, [\d,.]+ (km|mi) in total"))
    expect(summary).to_be_visible()
    everything = _lit(page)
    assert everything > 200, f"only {everything} pixels drawn"
    assert_accessible(page, "heatmap")

    # Zoomed in from the keyboard, the routes are drawn again (wider apart: not fewer pixels
    # than nothing).
    page.get_by_role("img", name=re.compile(r"^Heatmap of")).focus()
    page.keyboard.press("+")
    assert _lit(page) > 0

    year = page.get_by_label("Year")
    choices = [o for o in year.locator("option").all_inner_texts() if o.isdigit()]
    assert choices, "no year to choose"
    year.select_option(choices[-1])
    expect(page).to_have_url(re.compile(rf"/heatmap\?year={choices[-1]}$"))
    expect(page.get_by_text(re.compile(rf"in total \({choices[-1]}\)"))).to_be_visible()
    assert _lit(page) > 0

    # A phone: the canvas takes the screen's width and still draws.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/heatmap")
    box = page.get_by_role("img", name=re.compile(r"^Heatmap of")).bounding_box()
    assert box and box["width"] <= 390, box
    assert _lit(page) > 100
    assert_accessible(page, "heatmap at 390 px")
    assert_page_ran_clean(page)
