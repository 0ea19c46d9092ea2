"""VDOT, race predictions, marathon shape and heart-rate zones through /api/web: what the
Fitness page, a run's page and the dashboard read."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from .helpers import Browser

GPX_HR = """<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="runnerly-tests" xmlns="http://www.topografix.com/GPX/1/1"
 xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">
  <trk><name>Tempo</name><trkseg>
{points}
  </trkseg></trk>
</gpx>
"""


def gpx_with_heart_rate(start: datetime, points: int, hr: int) -> bytes:
    rows = []
    for i in range(points):
        when = (start + timedelta(seconds=10 * i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        rows.append(
            f'<trkpt lat="{48.8500 + i * 0.00030:.6f}" lon="2.3500"><time>{when}</time>'
            f"<extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>{hr}</gpxtpx:hr>"
            "</gpxtpx:TrackPointExtension></extensions></trkpt>"
        )
    return GPX_HR.format(points="\n".join(rows)).encode()


def test_a_run_with_heart_rate_gives_a_vdot_predictions_zones_and_the_next_race(
    browser: Browser, runner: dict[str, Any]
) -> None:
    assert browser.patch("/api/web/profile", json={"max_hr": 190, "rest_hr": 50}).status_code == 200
    start = (datetime.now(UTC) - timedelta(days=2)).replace(hour=7, minute=0, second=0)
    created = browser.post(
        "/api/web/runs/import?filename=tempo.gpx",
        data=gpx_with_heart_rate(start, 300, 155),
        headers={"Content-Type": "application/octet-stream"},
    )
    assert created.status_code == 201, created.json
    run = created.json

    fitness = browser.get(f"/api/web/runs/{run['id']}/fitness")
    assert fitness.status_code == 200, fitness.json
    assert fitness.json["vdot"]["method"] == "heart_rate"
    zones = fitness.json["heart_rate_zones"]
    # 155 bpm with max 190 and rest 50: 75 % of the reserve, zone 3 (148 to 162)
    assert zones["source"] == "track"
    assert [z["seconds"] for z in zones["zones"]][3] == zones["seconds_with_hr"] > 2900

    predictions = browser.get("/api/web/vo2max/predictions").json
    assert predictions["vdot"] == round(fitness.json["vdot"]["vdot"], 1)
    assert all(p["vdot_time"] for p in predictions["predictions"])
    assert all(p["riegel_time"] for p in predictions["predictions"])

    race_day = (date.today() + timedelta(days=40)).isoformat()
    browser.post(
        "/api/web/races", json={"name": "Harbour 10k", "date": race_day, "distance": 10000}
    )
    race = browser.get("/api/web/vo2max/predictions").json["next_race"]
    assert (
        race["name"] == "Harbour 10k"
        and race["vdot_time"] == predictions["predictions"][1]["vdot_time"]
    )

    trend = browser.get("/api/web/vo2max/trend?period=week")
    assert trend.status_code == 200 and trend.json["current"]["vdot"] == predictions["vdot"]
    assert browser.get("/api/web/vo2max/readiness").json["shape"]["week"]["km_per_week"] > 0
    weeks = browser.get("/api/web/heart-rate-zones").json["weeks"]
    assert sum(w["runs_with_hr"] for w in weeks) == 1
    assert browser.get("/api/web/vo2max/trend?period=year").status_code == 400


def test_the_vdot_answers_need_a_signed_in_runner(browser: Browser) -> None:
    for path in ("/vo2max/trend", "/vo2max/predictions", "/vo2max/readiness", "/heart-rate-zones"):
        assert browser.get(f"/api/web{path}").status_code == 401
