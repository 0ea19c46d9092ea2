"""What the browser tests do as a runner would: pick a strava-sim athlete, sign up, connect
Strava, build a watch's GPX, read a figure off a page."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from e2e.accessibility import assert_accessible

__all__ = ["assert_accessible"]  # the journeys' one import for their steps and checks

DATA = Path(__file__).parent / "data"
SIM = "http://127.0.0.1:5004"


def free_athlete(wanted: Callable[[dict[str, Any]], bool] = lambda athlete: True) -> str:
    """A strava-sim athlete no runner has connected (and ``wanted``): athlete 1 is the demo
    runner's, and each journey disconnects its own at the end so the next run finds it free."""
    with urllib.request.urlopen(f"{SIM}/admin/athletes", timeout=10) as response:  # noqa: S310
        athletes = json.load(response)
    free = [a["id"] for a in athletes if not a["authorized"] and a["activities"] and wanted(a)]
    assert free, f"no free strava-sim athlete fits: {athletes}"
    return str(free[0])


def assert_page_ran_clean(page: Page) -> None:
    """No 5xx seen, and nothing the pages' policies refused (CSP, Permissions-Policy)."""
    assert not page.server_errors, page.server_errors  # type: ignore[attr-defined]
    assert not page.policy_violations, page.policy_violations  # type: ignore[attr-defined]


def shot(page: Page, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)


def gpx_for(start: datetime, dest: Path) -> Path:
    """The sample GPX moved to `start`, so it lands in the month and week being looked at."""
    text = (DATA / "lunch-loop.gpx").read_text(encoding="utf-8")
    text = text.replace("2000-01-01T12", start.strftime("%Y-%m-%dT%H"))
    dest.write_text(text, encoding="utf-8")
    return dest


def totals_count(page: Page, title: str) -> int:
    card = page.get_by_role("region", name=title)
    return int(card.locator("dt:has-text('Runs') + dd").inner_text())


def sign_up(page: Page, email: str, password: str) -> None:
    page.goto("/signup")
    page.get_by_label("First name").fill("Ada")
    page.get_by_label("Last name").fill("Lovelace")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def connect_strava(page: Page, athlete: str) -> None:
    """strava-sim's own authorize page, then back to Runnerly, and the import's first runs."""
    page.get_by_role("link", name="Strava", exact=True).click()
    page.get_by_role("link", name="Connect Strava").click()
    page.wait_for_url(re.compile(r"127\.0\.0\.1:5004/oauth/authorize"))
    page.select_option("#athlete", athlete)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(re.compile(r"localhost:8080/\?strava=connected"))
    expect(page.get_by_text("Strava is connected")).to_be_visible()


def disconnect_strava(page: Page) -> None:
    """So that this strava-sim athlete is free for the next run."""
    page.get_by_role("link", name="Strava", exact=True).click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Disconnect Strava").click()
    expect(page.get_by_role("link", name="Connect Strava")).to_be_visible()


def sim(method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """strava-sim's admin API: what the runner does on Strava's side."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(  # noqa: S310 (a fixed local address)
        f"{SIM}{path}", data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        raw = response.read()
    return json.loads(raw) if raw else None


def watch_gpx(start: datetime, seconds: int, metres: float, dest: Path, name: str) -> Path:
    """A watch's GPX of a run: a point every 10 s along a meridian near Paris, ``metres``
    long in ``seconds`` from ``start`` (UTC), heart rate included, as the watch records it."""
    steps = max(seconds // 10, 2)
    degrees_per_metre = 1 / 111_195  # along a meridian
    points = []
    for i in range(steps + 1):
        t = start + timedelta(seconds=seconds * i / steps)
        lat = 48.8566 + metres * i / steps * degrees_per_metre
        points.append(
            f'<trkpt lat="{lat:.7f}" lon="2.3522000"><ele>35</ele>'
            f"<time>{t.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}</time>"
            "<extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>150</gpxtpx:hr>"
            "</gpxtpx:TrackPointExtension></extensions></trkpt>"
        )
    dest.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gpx version="1.1" creator="Runnerly e2e watch" xmlns="http://www.topografix.com/GPX/1/1"'
        ' xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">'
        f"<trk><name>{name}</name><type>running</type><trkseg>{''.join(points)}</trkseg></trk>"
        "</gpx>\n",
        encoding="utf-8",
    )
    return dest
