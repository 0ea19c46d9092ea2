"""Personal records: GET /api/v1/users/{id}/stats/records."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from dataservice.runs.service import import_file

EARTH_RADIUS_M = 6_371_008.8
LABELS = ["400 m", "1 km", "1 mile", "5 km", "10 km", "Half marathon", "Marathon"]


def records(client, token, runner):
    response = client.get(f"/api/v1/users/{runner}/stats/records", headers=token(runner=runner))
    assert response.status_code == 200, response.json
    return response.json


def best(answer, distance):
    return next(r["best"] for r in answer["best_efforts"] if r["distance"] == distance)


def gpx(start: datetime, legs: list[tuple[float, float]]) -> bytes:
    """A track due north along a meridian (distance is exactly R·Δlat), one point every
    10 m; ``legs`` are (metres, seconds) run at an even pace, one after the other."""
    points, dist, t = [(0.0, 0.0)], 0.0, 0.0
    for metres, seconds in legs:
        for _ in range(round(metres / 10)):
            dist, t = dist + 10, t + seconds * 10 / metres
            points.append((dist, t))
    rows = "".join(
        f'<trkpt lat="{45 + math.degrees(d / EARTH_RADIUS_M):.9f}" lon="7.0">'
        f"<time>{(start + timedelta(seconds=s)).strftime('%Y-%m-%dT%H:%M:%S.%fZ')}</time></trkpt>"
        for d, s in points
    )
    return (
        '<?xml version="1.0"?><gpx version="1.1" creator="test" '
        'xmlns="http://www.topografix.com/GPX/1/1"><trk><name>Track intervals</name>'
        f"<type>running</type><trkseg>{rows}</trkseg></trk></gpx>"
    ).encode()


class TestBestEfforts:
    def test_each_distance_shows_its_fastest_run_whole_or_from_strava(
        self, client, token, runner, add_runs, run
    ):
        add_runs(
            runner,
            run("2026-01-10T08:00:00Z", 5.02, 1406, title="Parkrun"),  # a whole 5 km run
            run("2026-02-14T08:00:00Z", 5.0, 1450, title="Slower parkrun"),
            run(
                "2026-03-01T08:00:00Z",
                10.1,
                2900,
                title="Tempo 10",
                best_efforts=[
                    {"distance": 1000, "elapsed_time": 251},
                    {"distance": 5000, "elapsed_time": 1390},
                ],
            ),
        )
        answer = records(client, token, runner)
        assert [r["label"] for r in answer["best_efforts"]] == LABELS
        assert best(answer, 1000) == {
            "elapsed": 251.0,
            "pace": 251.0,
            "run_id": best(answer, 10000)["run_id"],
            "title": "Tempo 10",
            "start_time": "2026-03-01T08:00:00+00:00",
            "start_local": "2026-03-01T08:00:00",  # a UTC runner's wall clock
            "origin": "strava",
        }
        assert best(answer, 5000)["elapsed"] == 1390.0  # Strava's effort inside the 10 km
        assert best(answer, 10000)["elapsed"] == 2871.287  # the whole 10.1 km at its pace
        assert best(answer, 10000)["origin"] == "whole"
        assert best(answer, 21097) is None and best(answer, 42195) is None

    def test_the_fastest_stretch_of_a_recorded_track_is_a_record(
        self, app, client, token, runner, add_runs, run
    ):
        add_runs(runner, run("2026-04-01T07:00:00Z", 1.0, 250, title="Easy km"))
        start = datetime(2026, 4, 3, 7, 0, tzinfo=UTC)
        # 300 m warm-up at 6:00/km, then 1 km at 3:50/km, then 200 m jogged
        content = gpx(start, [(300, 108), (1000, 230), (200, 80)])
        with app.extensions["runnerly.db"].transaction() as session:
            imported, _ = import_file(session, runner, "intervals.gpx", content)
        record = best(records(client, token, runner), 1000)
        assert (record["elapsed"], record["origin"]) == (230.0, "track")
        assert record["run_id"] == imported.id
        assert record["title"] == "Track intervals"

    def test_of_equal_times_the_earliest_run_holds_the_record(
        self, client, token, runner, add_runs, run
    ):
        add_runs(
            runner,
            run("2026-05-02T08:00:00Z", 5, 1500, title="Second"),
            run("2026-05-01T08:00:00Z", 5, 1500, title="First"),
        )
        assert best(records(client, token, runner), 5000)["title"] == "First"

    def test_walks_and_rides_hold_no_records(self, client, token, runner, add_runs, run):
        add_runs(
            runner,
            run("2026-05-01T08:00:00Z", 5, 900, sport_type="Ride"),
            run("2026-05-02T08:00:00Z", 60, 7200, sport_type="Ride"),
            run("2026-05-03T08:00:00Z", 5, 3000, sport_type="Walk"),
        )
        answer = records(client, token, runner)
        assert all(r["best"] is None for r in answer["best_efforts"])
        assert answer["longest_run"] is None and answer["biggest_week"] is None


class TestLongestRunAndBiggestPeriods:
    def test_longest_run_biggest_week_and_biggest_month(self, client, token, runner, add_runs, run):
        add_runs(
            runner,
            run("2026-03-29T09:00:00Z", 30, 10800, title="Long Sunday"),  # week of 23 March
            run("2026-03-23T07:00:00Z", 10, 3000),
            run("2026-03-30T07:00:00Z", 12, 3600),  # Monday: the week of 30 March
            run("2026-03-31T07:00:00Z", 12, 3600),
            run("2026-04-01T07:00:00Z", 12, 3600),
            run("2026-04-02T07:00:00Z", 12, 3600),  # 48 km, but split over two months
            run("2026-04-05T07:00:00Z", 80, 9000, sport_type="Ride"),  # not running
        )
        answer = records(client, token, runner)
        longest = answer["longest_run"]
        assert (longest["title"], longest["distance"], longest["moving_time"]) == (
            "Long Sunday",
            30000.0,
            10800,
        )
        assert longest["start_time"] == "2026-03-29T09:00:00+00:00"
        week = answer["biggest_week"]
        assert (week["start"], week["count"], week["distance"]) == ("2026-03-30", 4, 48000.0)
        month = answer["biggest_month"]
        assert (month["start"], month["count"], month["distance"]) == ("2026-03-01", 4, 64000.0)
        assert month["average_pace"] == 328.1  # 21,000 s over 64 km

    def test_a_runner_without_runs_holds_no_records_yet(self, client, token, runner):
        answer = records(client, token, runner)
        assert [r["best"] for r in answer["best_efforts"]] == [None] * 7
        assert answer["longest_run"] is None
        assert answer["biggest_week"] is None and answer["biggest_month"] is None
