"""Shoes, on the stack `make run` starts (decision 64): a runner adds a pair in the Profile,
uploads a run, sets the pair on the run's page and sees its distance, with the alert near
the retirement distance, in the Profile; axe-clean, and readable at a phone's width."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

from playwright.sync_api import Page, expect

from e2e.runner import assert_accessible, assert_page_ran_clean, shot, sign_up, watch_gpx


def test_a_pair_set_on_a_run_shows_its_distance_and_alert(
    page: Page, artifacts: Path, tmp_path: Path
) -> None:
    sign_up(page, f"gear-{uuid.uuid4().hex[:8]}@example.org", "correct horse battery staple")

    page.goto("/profile")
    shoes = page.get_by_role("region", name="Shoes")
    expect(shoes.get_by_text("No shoes yet.")).to_be_visible()
    shoes.get_by_label("Name").fill("Trail Glides")
    shoes.get_by_label("Brand").fill("Brooks")
    shoes.get_by_label("Retire at (km)").fill("40")
    shoes.get_by_role("button", name="Add pair").click()
    expect(shoes.get_by_text("0.0 km · 0 runs of 40 km")).to_be_visible()
    assert_accessible(page, "the profile with a pair of shoes")

    page.get_by_role("link", name="Upload", exact=True).click()
    run = watch_gpx(
        datetime(2025, 2, 3, 7, 0, tzinfo=UTC), 1800, 5000.0, tmp_path / "a.gpx", "Easy five"
    )
    page.get_by_label("Activity files").set_input_files(str(run))
    page.get_by_role("button", name="Upload").click()
    page.get_by_role("list", name="Files").get_by_role("link", name="Easy five").click()
    expect(page.get_by_role("heading", name="Easy five")).to_be_visible()

    worn = page.get_by_role("region", name="Shoes")
    worn.get_by_label("Run in").select_option(label="Trail Glides")
    expect(worn.get_by_role("status")).to_have_text("Saved.")
    expect(worn.get_by_text(re.compile(r"^Trail Glides: 5\.\d km in all$"))).to_be_visible()
    expect(worn.get_by_text(re.compile(r"^3\d km to its retirement distance\.$"))).to_be_visible()
    assert_accessible(page, "a run's page with its shoes")

    page.goto("/profile")
    shoes = page.get_by_role("region", name="Shoes")
    expect(shoes.get_by_text(re.compile(r"^5\.\d km · 1 run of 40 km$"))).to_be_visible()
    expect(
        shoes.get_by_role("progressbar", name=re.compile("Trail Glides: 1[23]%"))
    ).to_be_visible()
    page.set_viewport_size({"width": 390, "height": 844})
    assert_accessible(page, "the profile's shoes at 390 px")
    shot(page, artifacts, "gear-01-profile-phone")
    assert_page_ran_clean(page)
