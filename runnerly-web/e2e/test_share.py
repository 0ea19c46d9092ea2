"""Sharing a run, on the stack `make run` starts (decision 65): the demo runner makes a
share link on a run's page; a fresh browser context, logged out and with no cookie, opens
the link through the gateway and sees the run (at a phone's width, axe-clean, no cookie
set, the dashboard's headers and noindex); after Revoke the link answers not found within
the longest a shared answer is cached (5 s by Cache-Control, nginx counting whole seconds)."""

from __future__ import annotations

import re
import time

import requests
from playwright.sync_api import BrowserContext, Page, expect

from e2e.accessibility import assert_accessible
from e2e.runner import assert_page_ran_clean
from runnerly_common.testing.procfile import GATEWAY_URL, ROOT, ProcfileStack

MAX_DELAY = 6  # seconds: s-maxage=5, in nginx's whole seconds
DEMO = "demo@runnerly.local"


def _demo_password() -> str:
    for line in (ROOT / "var" / "dev" / "runnerly.env").read_text().splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "RUNNERLY_DEMO_PASSWORD":
            return value.strip()
    raise AssertionError("no RUNNERLY_DEMO_PASSWORD in var/dev/runnerly.env")


def _a_demo_run_with_a_route(page: Page) -> dict:
    page.goto("/login")
    page.get_by_label("Email").fill(DEMO)
    page.get_by_label("Password").fill(_demo_password())
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    # Beat's first round imports the demo runner's history: wait for a run with a route.
    deadline = time.monotonic() + 180
    while True:
        runs = page.request.get("/api/web/runs?per_page=20").json()["items"]
        found = [run for run in runs if run.get("polyline")]
        if found:
            return found[0]
        assert time.monotonic() < deadline, "the demo runner has no run with a route after 180 s"
        time.sleep(2)


def _headers_of_the_public_side(token: str) -> None:
    """As any client sees them: no cookie, cached briefly, never indexed, the page's policy."""
    for path in (f"/s/{token}", f"/api/web/shared/{token}"):
        response = requests.get(GATEWAY_URL + path, timeout=10)
        assert response.status_code == 200, (path, response.text[:200])
        assert "Set-Cookie" not in response.headers, path
        assert response.headers["Cache-Control"] == "public, max-age=0, s-maxage=5", path
        assert "noindex" in response.headers["X-Robots-Tag"], path
        assert response.headers["X-Cache-Status"] in {"MISS", "HIT", "EXPIRED"}, path
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    page = requests.get(f"{GATEWAY_URL}/s/{token}", timeout=10)
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


def test_a_shared_run_opens_logged_out_and_stops_when_revoked(
    stack: ProcfileStack, page: Page, browser_context: BrowserContext
) -> None:
    run = _a_demo_run_with_a_route(page)
    page.goto(f"/runs/{run['id']}")
    share = page.get_by_role("region", name="Share")
    expect(share.get_by_text("This run is private.")).to_be_visible()
    revoke = share.get_by_role("button", name=re.compile(r"^Revoke"))
    # The list has loaded (links an earlier run of this test left may be in it).
    expect(share.get_by_text(re.compile(r"^(No share link|Made )")).first).to_be_visible()
    before = revoke.count()
    share.get_by_role("button", name=f"Create share link for {run['title']}").click()
    address = share.get_by_role("textbox", name=re.compile("shown only once")).input_value()
    match = re.fullmatch(r"http://localhost:8080/s/([A-Za-z0-9_-]{43})", address)
    assert match, address
    token = match.group(1)
    expect(revoke).to_have_count(before + 1)
    assert_accessible(page, "a run's page with its share link")

    # Someone the link was sent to: another browser context, no cookie, a phone's width.
    browser = browser_context.browser
    assert browser is not None
    phone = {"width": 390, "height": 844}
    stranger = browser.new_context(base_url="http://localhost:8080", viewport=phone)
    try:
        other = stranger.new_page()
        other.goto(f"/s/{token}")
        expect(other.get_by_role("heading", level=1, name=run["title"])).to_be_visible()
        expect(other).to_have_title(f"{run['title']} · Runnerly")
        km = f"{run['distance'] / 1000:.2f}"[:-1]  # the last digit: JS may round a half apart
        expect(other.locator("dl.stats")).to_contain_text(re.compile(rf"Distance{km}\d km"))
        expect(other.get_by_role("columnheader", name="Pace")).to_be_visible()  # the splits
        assert DEMO not in other.content()
        assert other.evaluate("document.documentElement.scrollWidth") <= 390
        assert_accessible(other, "the shared run at 390 px")
        assert stranger.cookies() == [], "the public page set a cookie"
        _headers_of_the_public_side(token)

        # Revoked by its runner: the stranger's page says not found within MAX_DELAY.
        revoke.last.click()  # the newest: links are listed in the order made
        expect(share.get_by_text("Link revoked")).to_be_visible()
        revoked_at = time.monotonic()
        while True:
            other.reload()
            heading = other.get_by_role("heading", level=1)
            expect(heading).to_be_visible()
            if heading.inner_text() == "Not found":
                break
            assert time.monotonic() - revoked_at <= MAX_DELAY + 2, "the revoked link still works"
            time.sleep(0.5)
        assert time.monotonic() - revoked_at <= MAX_DELAY + 2
        expect(other.get_by_role("alert")).to_have_text(
            "This shared page does not exist or is no longer shared."
        )
        gone = requests.get(f"{GATEWAY_URL}/api/web/shared/{token}", timeout=10)
        wrong = requests.get(f"{GATEWAY_URL}/api/web/shared/{'A' * 43}", timeout=10)
        assert gone.status_code == wrong.status_code == 404
        assert gone.json()["message"] == wrong.json()["message"]
        assert stranger.cookies() == []
    finally:
        stranger.close()
    assert_page_ran_clean(page)
