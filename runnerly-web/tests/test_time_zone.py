"""The runner's time zone (issue 16, part 3): set from the browser at sign-up, editable in
the profile, against a live dataservice."""

from __future__ import annotations

from .helpers import Browser


def test_sign_up_keeps_the_browsers_zone(browser: Browser) -> None:
    browser.sign_up(timezone="Australia/Sydney")
    assert browser.refresh()["user"]["timezone"] == "Australia/Sydney"


def test_a_zone_the_server_does_not_know_does_not_stop_the_sign_up(browser: Browser) -> None:
    browser.sign_up(timezone="Mars/Olympus_Mons")
    assert browser.refresh()["user"]["timezone"] == "UTC"


def test_the_profile_changes_the_zone_and_names_a_wrong_one(browser: Browser) -> None:
    browser.sign_up()
    response = browser.patch("/api/web/profile", json={"timezone": "America/New_York"})
    assert response.status_code == 200, response.json
    assert browser.refresh()["user"]["timezone"] == "America/New_York"
    response = browser.patch("/api/web/profile", json={"timezone": "Europe/Atlantis"})
    assert response.status_code == 400
    assert [e["field"] for e in response.json["errors"]] == ["body.timezone"]
