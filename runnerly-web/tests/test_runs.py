"""Uploads, the month view, a run and its track, and one runner never seeing another's."""

from __future__ import annotations

from typing import Any

from .helpers import Browser, fields_of, gpx_file


def _upload(browser: Browser, body: bytes, name: str = "morning.gpx") -> Any:
    return browser.post(
        f"/api/web/runs/import?filename={name}",
        data=body,
        headers={"Content-Type": "application/octet-stream"},
    )


def test_an_uploaded_gpx_shows_in_its_month_the_totals_and_with_its_track(
    browser: Browser, runner: dict[str, Any]
) -> None:
    created = _upload(browser, gpx_file("2024-05-04T07:00:00Z"))
    assert created.status_code == 201, created.json
    run = created.json
    assert run["source"] == "file" and 1740 < run["distance"] < 1800  # 59 steps of 30 m
    again = _upload(browser, gpx_file("2024-05-04T07:00:00Z"))
    assert again.status_code == 200 and again.json["id"] == run["id"]

    month = browser.get("/api/web/runs/2024/5").json
    assert [r["id"] for r in month["items"]] == [run["id"]]
    assert month["count"] == 1 and month["distance"] == run["distance"]
    assert browser.get("/api/web/runs/2024/6").json["items"] == []

    detail = browser.get(f"/api/web/runs/{run['id']}")
    assert detail.status_code == 200 and detail.json["start_time"].startswith("2024-05-04T07:00")
    track = browser.get(f"/api/web/runs/{run['id']}/track").json
    assert len(track["points"]) == 60 and track["original_filename"] == "morning.gpx"

    totals = browser.get("/api/web/stats/totals?period=month&from=2024-04-01&to=2024-06-30")
    assert totals.status_code == 200
    assert [b["count"] for b in totals.json["buckets"]] == [0, 1, 0]
    summary = browser.get("/api/web/stats/summary?date=2024-05-10").json
    assert summary["month"]["count"] == 1 and summary["all_time"]["count"] == 1
    report = browser.get("/api/web/reports/2024/5").json
    assert report["runs_count"] == 1
    assert browser.get("/api/web/stats/records").status_code == 200


def test_a_malformed_file_is_a_4xx_naming_the_problem(
    browser: Browser, runner: dict[str, Any]
) -> None:
    broken = _upload(browser, b"<gpx><trk><trkseg><trkpt lat='x'")
    assert broken.status_code == 422, broken.json
    assert broken.json["errors"] and broken.json["message"]
    empty = _upload(browser, b"")
    assert 400 <= empty.status_code < 500
    wrong_name = _upload(browser, gpx_file(), name="run.exe")
    assert wrong_name.status_code == 400 and fields_of(wrong_name) == {"query.filename"}
    entity = _upload(
        browser,
        b'<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<gpx>&x;</gpx>",
    )
    assert entity.status_code == 422
    assert browser.get("/api/web/runs/2024/5").json["items"] == []


def test_one_runners_session_never_reaches_anothers_data(
    browser: Browser, new_browser: Any, runner: dict[str, Any]
) -> None:
    run = _upload(browser, gpx_file("2024-03-02T06:00:00Z")).json
    race = browser.post(
        "/api/web/races", json={"name": "Mine", "date": "2031-09-01", "distance": 21097}
    ).json
    plan = browser.post(f"/api/web/races/{race['id']}/plan", json={"weeks": 8})
    assert plan.status_code == 201, plan.json

    other = new_browser()
    other.sign_up()
    for path in (
        f"/api/web/runs/{run['id']}",
        f"/api/web/runs/{run['id']}/track",
        f"/api/web/races/{race['id']}",
        f"/api/web/plans/{plan.json['id']}",
    ):
        assert other.get(path).status_code == 404, path
    assert other.get("/api/web/runs/2024/3").json["items"] == []
    assert other.get("/api/web/races").json["items"] == []
    assert other.patch(f"/api/web/races/{race['id']}", json={"name": "Stolen"}).status_code == 404
    assert other.delete(f"/api/web/races/{race['id']}").status_code == 404
    assert browser.get(f"/api/web/races/{race['id']}").json["name"] == "Mine"


def test_races_and_plans_round_trip(browser: Browser, runner: dict[str, Any]) -> None:
    race = browser.post(
        "/api/web/races",
        json={"name": "City half", "date": "2031-10-12", "distance": 21097, "goal_time": 6000},
    )
    assert race.status_code == 201 and race.json["goal_pace"] > 0
    bad = browser.post("/api/web/races", json={"name": " ", "date": "2031-13-01", "distance": 5})
    assert bad.status_code == 400
    assert {"body.name", "body.date", "body.distance"} <= fields_of(bad)
    plan = browser.post(f"/api/web/races/{race.json['id']}/plan", json={"runs_per_week": 3})
    assert plan.status_code == 201
    assert [p["id"] for p in browser.get("/api/web/plans").json["items"]] == [plan.json["id"]]
    renamed = browser.patch(f"/api/web/plans/{plan.json['id']}", json={"name": "Road to PB"})
    assert renamed.status_code == 200 and renamed.json["name"] == "Road to PB"
    assert browser.delete(f"/api/web/plans/{plan.json['id']}").status_code == 204
    assert browser.delete(f"/api/web/races/{race.json['id']}").status_code == 204
    assert browser.get("/api/web/races").json["items"] == []
