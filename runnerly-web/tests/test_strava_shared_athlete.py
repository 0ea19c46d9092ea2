"""Connecting Strava never breaks another runner's link (issue 14, section 7).

Runner A is linked to athlete X.  Runner B connects X too: the callback exchanges the code
before it can know whose athlete that is, and that exchange gives X a new refresh token at
Strava (strava-sim rotates them as Strava does), so the one A's link holds stops working.
B is refused; A's link must still refresh and read X's activities."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests
from flask import Flask

from runnerly_web.extensions import strava_oauth

from .conftest import SIM_SECRET
from .helpers import Browser
from .test_strava import _athletes, _come_back, _start

SCOPE = "read,activity:read_all"


def _authorize_as(sim: str, query: dict[str, str], athlete: int) -> str:
    """Athlete ``athlete``, who has authorized Runnerly before, comes back through the
    authorize URL: Strava approves at once and sends the browser to the callback."""
    params = {
        "client_id": query["client_id"],
        "redirect_uri": query["redirect_uri"],
        "response_type": "code",
        "state": query["state"],
        "athlete": str(athlete),
        "scope": SCOPE,
        "approval_prompt": "auto",
    }
    answer = requests.get(
        f"{sim}/oauth/authorize", params=params, allow_redirects=False, timeout=30
    )
    assert answer.status_code == 302, answer.text
    assert "code=" in urlsplit(answer.headers["Location"]).query
    return answer.headers["Location"]


def _link_of(app: Flask, user_id: int) -> dict[str, Any] | None:
    with app.app_context():
        return strava_oauth().link_of(user_id)


def test_connecting_another_runners_athlete_is_refused_and_their_link_keeps_working(
    app: Flask, new_browser: Any, sim: str
) -> None:
    athlete = next(_athletes)
    owner: Browser = new_browser()
    owner_id = owner.sign_up()["id"]
    grant = requests.post(
        f"{sim}/admin/athletes/{athlete}/grant", json={"scope": SCOPE}, timeout=30
    )
    assert grant.status_code == 200, grant.text
    linked = _come_back(owner, _authorize_as(sim, _start(owner), athlete))
    assert linked["strava"] == "connected"

    intruder: Browser = new_browser()
    intruder_id = intruder.sign_up()["id"]
    refused = _come_back(intruder, _authorize_as(sim, _start(intruder), athlete))

    assert refused["strava"] == "already_linked"
    assert intruder.get("/api/web/strava").json == {"connected": False}
    assert _link_of(app, intruder_id) is None

    # The owner's link outlives its access token: Strava makes it expire, the worker
    # refreshes with the stored refresh token, then reads the athlete's activities.
    stored = _link_of(app, owner_id)
    assert stored is not None and stored["athlete_id"] == athlete
    expired = requests.post(f"{sim}/admin/athletes/{athlete}/expire-token", timeout=30)
    assert expired.status_code == 200
    refreshed = requests.post(
        f"{sim}/oauth/token",
        data={
            "client_id": "1000",
            "client_secret": SIM_SECRET,
            "grant_type": "refresh_token",
            "refresh_token": stored["refresh_token"],
        },
        timeout=30,
    )
    assert refreshed.status_code == 200, refreshed.text
    activities = requests.get(
        f"{sim}/api/v3/athlete/activities",
        headers={"Authorization": f"Bearer {refreshed.json()['access_token']}"},
        params={"per_page": 5},
        timeout=30,
    )
    assert activities.status_code == 200, activities.text
    assert owner.get("/api/web/strava").json["connected"] is True
