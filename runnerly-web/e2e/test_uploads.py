"""Uploads as a runner makes them: three files at once, each with its own result (two runs
imported, a broken file refused with why); then a Strava export ("Download your account")
of 12 MB, past what one request may carry, sent in parts through the gateway (decision 60)
and imported by the worker, followed on the page to its end, its runs named as
activities.csv names them and a ride left out."""

from __future__ import annotations

import os
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

from playwright.sync_api import Page, expect

from e2e.runner import assert_accessible, assert_page_ran_clean, shot, sign_up, watch_gpx
from runnerly_common.testing.strava_export import Activity, strava_export


def test_several_files_at_once_then_a_strava_export_imported_in_the_background(
    page: Page, artifacts: Path, tmp_path: Path
) -> None:
    sign_up(page, f"uploads-{uuid.uuid4().hex[:8]}@example.org", "correct horse battery staple")

    # Three files at once: two runs and a file that is not one.
    page.get_by_role("link", name="Upload", exact=True).click()  # not the empty state's
    first = watch_gpx(
        datetime(2025, 2, 3, 7, 0, tzinfo=UTC), 1800, 5000.0, tmp_path / "a.gpx", "Easy five"
    )
    second = watch_gpx(
        datetime(2025, 2, 5, 18, 0, tzinfo=UTC), 2400, 8000.0, tmp_path / "b.gpx", "Tempo eight"
    )
    broken = tmp_path / "broken.gpx"
    broken.write_text("<gpx><trk><trkseg><trkpt lat='x'", encoding="utf-8")
    page.get_by_label("Activity files").set_input_files([str(first), str(second), str(broken)])
    expect(page.get_by_text("3 files ready: press Upload.")).to_be_visible()
    page.get_by_role("button", name="Upload").click()
    files = page.get_by_role("list", name="Files")
    expect(files.get_by_role("link", name="Easy five")).to_be_visible()
    expect(files.get_by_role("link", name="Tempo eight")).to_be_visible()
    expect(files.get_by_role("alert")).to_contain_text("Not imported")
    expect(page.get_by_text("3 files sent.")).to_be_visible()
    assert_accessible(page, "the upload page after three files")
    shot(page, artifacts, "uploads-01-three-files")

    # A Strava export: two runs (one gzipped), a ride; media and other CSVs beside them, a
    # photo that does not compress making it two parts of 8 MB.
    export = tmp_path / "export_31415.zip"
    export.write_bytes(
        strava_export(
            [
                Activity(31001, "2025-03-01T08:00:00Z", "Parkrun PB"),
                Activity(31002, "2025-03-04T06:30:00Z", "Hill repeats", suffix=".gpx.gz"),
                Activity(31003, "2025-03-05T17:00:00Z", "Ride home", kind="Ride"),
            ],
            extra={"media/photo.jpg": os.urandom(12 * 1024 * 1024)},
        )
    )
    page.get_by_label("Activity files").set_input_files(str(export))
    page.get_by_role("button", name="Upload").click()
    archive = page.get_by_role("region", name=re.compile("Strava export"))
    expect(archive.get_by_text("Import finished.")).to_be_visible(timeout=120_000)
    expect(archive.get_by_text("3 of 3")).to_be_visible()
    expect(archive).to_contain_text("2 imported")
    expect(archive).to_contain_text("Not a run (Ride)")
    assert_accessible(page, "the upload page after a Strava export")
    shot(page, artifacts, "uploads-02-strava-export")

    # The export's runs are counted in their month, named as Strava named them.
    page.goto("/runs/2025/3")
    expect(page.get_by_role("link", name=re.compile("Parkrun PB"))).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Hill repeats"))).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Ride home"))).to_have_count(0)
    assert_page_ran_clean(page)
