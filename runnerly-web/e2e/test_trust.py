"""Numbers a runner can trust, through the gateway in Chromium (issue 16's acceptance): a run
near midnight in the runner's zone lands on the local day and month; the watch's file of a
run Strava already has makes one run, not two; a run its runner deleted stays deleted when
Strava talks about it again."""

from __future__ import annotations

import re
import secrets
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from e2e.runner import (
    assert_page_ran_clean,
    connect_strava,
    disconnect_strava,
    free_athlete,
    shot,
    sign_up,
    sim,
    watch_gpx,
)


def away_from_utc(athlete: dict[str, Any]) -> bool:
    offset = datetime.now(ZoneInfo(athlete["timezone"])).utcoffset() or timedelta()
    return abs(offset) >= timedelta(hours=1)


def near_midnight(zone: ZoneInfo) -> datetime:
    """The latest local start near midnight whose UTC day is another: 00:20 today east of
    Greenwich (the evening before in UTC), 23:40 yesterday west of it (the next morning in
    UTC).  Recent, so that a sync's look-back finds it even if Strava's event is lost."""
    now = datetime.now(zone)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if (now.utcoffset() or timedelta()) > timedelta():
        return midnight + timedelta(minutes=20)
    return midnight - timedelta(minutes=20)


def sync_now(page: Page) -> None:
    page.get_by_role("link", name="Strava", exact=True).click()
    page.get_by_role("button", name="Sync now").click()
    expect(page.get_by_role("status").filter(has_text=re.compile("Up to date"))).to_be_visible(
        timeout=60_000
    )


def month_path(day: datetime) -> str:
    return f"/runs/{day.year}/{day.month:02d}"


def month_summary(page: Page, path: str) -> str:
    """The month page's "N runs, X km" line."""
    page.goto(path)
    summary = page.get_by_text(re.compile(r"^\d+ runs?, "))
    expect(summary).to_be_visible()
    return summary.inner_text()


def wait_for_run(page: Page, path: str, title: str, *, present: bool = True) -> None:
    """Strava's events reach Runnerly through the worker: reload the month until they have."""
    deadline = time.monotonic() + 90
    link = page.get_by_role("link", name=re.compile(re.escape(title)))
    while True:
        page.goto(path)
        expect(page.get_by_text(re.compile(r"^\d+ runs?, |No runs"))).to_be_visible()
        if (link.count() > 0) == present or time.monotonic() > deadline:
            break
        page.wait_for_timeout(2000)
    expect(link).to_have_count(1 if present else 0)


def add_activity(athlete: str, added: list[int], body: dict[str, Any]) -> int:
    """A run recorded on Strava by the athlete; its id is remembered in ``added``."""
    activity_id = int(sim("POST", f"/admin/athletes/{athlete}/activities", body)["id"])
    added.append(activity_id)
    return activity_id


def test_the_numbers_a_runner_reads_hold(page: Page, artifacts: Path, tmp_path: Path) -> None:
    athlete = free_athlete(away_from_utc)
    zone = ZoneInfo(
        next(a for a in sim("GET", "/admin/athletes") if str(a["id"]) == athlete)["timezone"]
    )
    # What this run adds to strava-sim, removed at the end: strava-sim keeps its athletes'
    # activities across runs, and a later run's midnight run, at the same time and distance,
    # would be merged into this one as its duplicate (and show this one's title).
    added: list[int] = []
    try:
        sign_up(
            page, f"e2e-trust-{secrets.token_hex(4)}@example.com", f"trust {secrets.token_hex(6)}"
        )
        connect_strava(page, athlete)
        expect(page.get_by_role("region", name="This year")).to_be_visible(timeout=90_000)

        # A run near midnight, recorded on Strava: it belongs to the runner's local day.
        local = near_midnight(zone)
        start = local.astimezone(UTC)
        assert start.date() != local.date()
        title = f"Midnight run {secrets.token_hex(3)}"
        add_activity(
            athlete,
            added,
            {
                "name": title,
                "start_date": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "distance": 8000.0,
                "moving_time": 2400,
                "elapsed_time": 2460,
            },
        )
        sync_now(page)
        wait_for_run(page, month_path(local), title)
        if (start.year, start.month) != (local.year, local.month):
            wait_for_run(page, month_path(start), title, present=False)
        page.goto(month_path(local))
        page.get_by_role("link", name=re.compile(re.escape(title))).click()
        # Its local day and time ("Mon 7 Dec 2026, 00:20"), not UTC's.
        local_day = rf"{local.day} \w+ {local.year}, {local:%H:%M}"
        expect(page.get_by_text(re.compile(local_day)).first).to_be_visible()
        shot(page, artifacts, "trust-01-midnight-run")

        # The watch's own file of that run: one run, merged, the month's figures unchanged.
        before = month_summary(page, month_path(local))
        page.get_by_role("link", name="Upload").click()
        watch = watch_gpx(start, 2460, 8000.0, tmp_path / "watch.gpx", "Watch run")
        page.get_by_label("Activity file").set_input_files(str(watch))
        page.get_by_role("button", name="Upload").click()
        expect(
            page.get_by_role("status").filter(has_text=re.compile("Imported|Merged"))
        ).to_be_visible()
        assert month_summary(page, month_path(local)) == before
        page.get_by_role("link", name=re.compile(re.escape(title))).click()
        expect(page.get_by_text(re.compile("Merged from", re.IGNORECASE))).to_be_visible()
        shot(page, artifacts, "trust-02-merged")

        # A run deleted here is not brought back by Strava: not by an edit event, not by a sync.
        doomed = f"Run to delete {secrets.token_hex(3)}"
        recent = datetime.now(UTC) - timedelta(hours=3)
        doomed_id = add_activity(
            athlete,
            added,
            {
                "name": doomed,
                "start_date": recent.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "distance": 5000.0,
            },
        )
        recent_month = month_path(recent.astimezone(zone))
        sync_now(page)
        wait_for_run(page, recent_month, doomed)
        with_doomed = int(month_summary(page, recent_month).split()[0])
        page.get_by_role("link", name=re.compile(re.escape(doomed))).click()
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name=re.compile("^Delete")).click()
        wait_for_run(page, recent_month, doomed, present=False)
        assert int(month_summary(page, recent_month).split()[0]) == with_doomed - 1

        sim("PUT", f"/admin/activities/{doomed_id}", {"name": f"{doomed} (renamed)"})
        canary = f"Canary run {secrets.token_hex(3)}"
        add_activity(
            athlete,
            added,
            {
                "name": canary,
                "start_date": recent.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "distance": 3000.0,
            },
        )
        sync_now(page)  # its look-back reads the renamed activity again
        wait_for_run(page, recent_month, canary)
        wait_for_run(page, recent_month, doomed, present=False)
        shot(page, artifacts, "trust-03-deleted-stays-deleted")

        disconnect_strava(page)
    finally:  # a failed run must not keep the athlete, or its runs, from the next one
        for activity_id in added:
            sim("DELETE", f"/admin/activities/{activity_id}")
        athletes = sim("GET", "/admin/athletes")
        if any(str(a["id"]) == athlete and a["authorized"] for a in athletes):
            sim("POST", f"/admin/athletes/{athlete}/revoke")
    assert_page_ran_clean(page)
