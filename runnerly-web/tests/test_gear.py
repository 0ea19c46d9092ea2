"""The runner's shoes through runnerly-web: added in the Profile, given to an uploaded file
as the default pair, changed on the run page, with the distance and alert the runner sees;
another runner's pairs are never reached."""

from __future__ import annotations

from typing import Any

import pytest

from .helpers import Browser, gpx_file


def upload(browser: Browser) -> dict[str, Any]:
    response = browser.post(
        "/api/web/runs/import?filename=morning.gpx",
        data=gpx_file(),
        content_type="application/octet-stream",
    )
    assert response.status_code == 201, response.json
    return response.json


def pairs(browser: Browser) -> dict[int, dict[str, Any]]:
    response = browser.get("/api/web/gear")
    assert response.status_code == 200, response.json
    return {g["id"]: g for g in response.json["items"]}


def test_the_default_pair_wears_an_upload_and_the_run_page_can_change_it(
    browser: Browser, runner: dict[str, Any]
) -> None:
    made = browser.post(
        "/api/web/gear",
        json={
            "name": "Pegasus 40",
            "is_default": True,
            "retire_distance": 600_000,
            "start_distance": 590_000,
        },
    )
    assert made.status_code == 201, made.json
    pair = made.json
    run = upload(browser)
    assert run["gear_id"] == pair["id"]
    shown = pairs(browser)[pair["id"]]
    assert shown["distance"] == pytest.approx(590_000 + run["distance"], abs=0.1)
    assert shown["alert"] == "near"

    other = browser.post("/api/web/gear", json={"name": "Trail"}).json
    moved = browser.patch(f"/api/web/runs/{run['id']}", json={"gear_id": other["id"]})
    assert moved.status_code == 200, moved.json
    assert moved.json["gear_id"] == other["id"]
    assert pairs(browser)[pair["id"]]["distance"] == 590_000

    refused = browser.delete(f"/api/web/gear/{other['id']}")
    assert refused.status_code == 409
    retired = browser.patch(f"/api/web/gear/{other['id']}", json={"retired": True})
    assert retired.status_code == 200 and retired.json["retired"] is True


def test_bad_input_is_a_4xx_naming_the_field(browser: Browser, runner: dict[str, Any]) -> None:
    response = browser.post("/api/web/gear", json={"name": "x", "retire_distance": -1})
    assert response.status_code == 400
    assert "retire_distance" in str(response.json)
    assert pairs(browser) == {}


def test_another_runners_pair_is_not_found(
    browser: Browser, runner: dict[str, Any], new_browser: Any
) -> None:
    mine = browser.post("/api/web/gear", json={"name": "Mine"}).json
    stranger = new_browser()
    stranger.sign_up()
    assert stranger.patch(f"/api/web/gear/{mine['id']}", json={"name": "Stolen"}).status_code == 404
    assert stranger.delete(f"/api/web/gear/{mine['id']}").status_code == 404
    assert pairs(stranger) == {}
    assert pairs(browser)[mine["id"]]["name"] == "Mine"
