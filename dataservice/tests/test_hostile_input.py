"""What a client can send that once answered 500 (issue 14): now each is a 4xx naming the
problem and writes nothing, on SQLite and PostgreSQL alike.

- dates outside 1970-01-01..2100-12-31 (runnerly_common.dates), by the API and in files:
  a run dated 9999 was stored and broke its runner's yearly totals, and a race on
  9999-12-31 broke plan generation;
- a NUL in an upload's file name (PostgreSQL refuses NUL in text);
- JSON nested 100,000 deep (RecursionError while parsing);
- ids beyond any column's range.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from dataservice.races import service as races

RANGE = "must be between 1970-01-01 and 2100-12-31"
DEEP = "[" * 100_000 + "]" * 100_000


def gpx_at(*times: str) -> bytes:
    points = "".join(
        f'<trkpt lat="48.{i:04d}" lon="2.0"><time>{t}</time></trkpt>' for i, t in enumerate(times)
    )
    return (
        '<?xml version="1.0"?><gpx version="1.1" creator="w" '
        'xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>'
        f"{points}</trkseg></trk></gpx>"
    ).encode()


def errors_of(response: Any) -> list[dict[str, str]]:
    assert 400 <= response.status_code < 500, (response.status_code, response.json)
    return response.json.get("errors", [])


@pytest.mark.parametrize(
    "start_time",
    [
        "0001-01-01T00:00:00Z",
        "1969-12-31T23:59:59Z",
        "2101-01-01T00:00:00Z",
        "9999-12-31T00:00:00Z",
    ],
)
class TestRunDates:
    def test_a_run_outside_the_range_is_400_naming_start_time(
        self, client, token, runner, run_body, snapshot, start_time
    ):
        before = snapshot()
        response = client.post(
            f"/api/v1/users/{runner}/runs",
            json={**run_body, "start_time": start_time},
            headers=token(runner=runner),
        )
        assert response.status_code == 400
        assert {"field": "body.start_time", "message": f"{RANGE} (UTC)"} in errors_of(response)
        assert snapshot() == before

    def test_a_strava_batch_with_one_run_outside_is_400_naming_it(
        self, client, token, runner, strava_run, snapshot, start_time
    ):
        before = snapshot()
        runs = [strava_run("1"), strava_run("2", start_time=start_time)]
        response = client.post(
            f"/api/v1/users/{runner}/runs/batch",
            json={"runs": runs},
            headers=token(client="strava-worker", scope="runs:write"),
        )
        assert response.status_code == 400
        assert [e["field"] for e in errors_of(response)] == ["body.runs[1].start_time"]
        assert snapshot() == before


class TestRaceAndPlanDates:
    @pytest.mark.parametrize("day", ["0001-01-01", "1969-12-31", "2101-01-01", "9999-12-31"])
    def test_a_race_outside_the_range_is_400_naming_date(
        self, client, token, runner, snapshot, day
    ):
        before = snapshot()
        response = client.post(
            f"/api/v1/users/{runner}/races",
            json={"name": "Far", "date": day, "distance": 10000},
            headers=token(runner=runner),
        )
        assert {"field": "body.date", "message": RANGE} in errors_of(response)
        assert snapshot() == before

    def test_a_race_cannot_be_moved_outside_the_range(self, client, token, runner, make_race):
        race = make_race(runner)
        response = client.patch(
            f"/api/v1/users/{runner}/races/{race}",
            json={"date": "9999-12-31"},
            headers=token(runner=runner),
        )
        assert {"field": "body.date", "message": RANGE} in errors_of(response)

    def test_a_plan_toward_a_race_on_the_last_day_of_the_range_is_generated(
        self, client, token, runner, make_race, today
    ):
        race = make_race(runner, days=(dt.date(2100, 12, 31) - today).days, distance=42195)
        response = client.post(
            f"/api/v1/users/{runner}/races/{race}/plan", headers=token(runner=runner)
        )
        assert response.status_code == 201, response.json
        assert response.json["end_date"] == "2100-12-31"

    def test_a_plan_toward_a_race_stored_outside_the_range_is_422_not_500(
        self, app, client, token, runner, stored
    ):
        # A race stored before the range was enforced (the API refuses such dates now).
        with app.extensions["runnerly.db"].transaction() as session:
            race = races.create_race(
                session, runner, {"name": "Y10K", "date": dt.date(9999, 12, 31), "distance": 5000}
            ).id
        before = stored()
        response = client.post(
            f"/api/v1/users/{runner}/races/{race}/plan", headers=token(runner=runner)
        )
        assert response.status_code == 422
        assert errors_of(response)[0]["field"] == "path.race_id"
        assert RANGE in response.json["message"]
        assert stored() == before

    @pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
    def test_a_plan_start_outside_the_range_is_400(self, client, token, runner, make_race, day):
        race = make_race(runner, days=100)
        response = client.post(
            f"/api/v1/users/{runner}/plans",
            json={"race_id": race, "start_date": day, "sessions": []},
            headers=token(runner=runner),
        )
        assert {"field": "body.start_date", "message": RANGE} in errors_of(response)


class TestQueryDates:
    @pytest.mark.parametrize(
        "query",
        [
            "from=0001-01-01&to=2026-01-01",
            "from=2026-01-01&to=9999-12-31",
            "period=year&from=0001-01-01&to=9999-12-31",
        ],
    )
    def test_stats_over_dates_outside_the_range_are_400(self, client, token, runner, query):
        response = client.get(
            f"/api/v1/users/{runner}/stats/totals?{query}", headers=token(runner=runner)
        )
        assert response.status_code == 400
        assert RANGE in response.json["message"]

    def test_a_summary_on_a_day_outside_the_range_is_400(self, client, token, runner):
        response = client.get(
            f"/api/v1/users/{runner}/stats/summary?date=9999-12-31", headers=token(runner=runner)
        )
        assert response.status_code == 400
        assert RANGE in response.json["message"]

    def test_runs_listed_from_year_1_are_400(self, client, token, runner):
        response = client.get(
            f"/api/v1/users/{runner}/runs?from=0001-01-01T00:00:00Z", headers=token(runner=runner)
        )
        assert response.status_code == 400
        assert RANGE in response.json["message"]


class TestFileImport:
    @pytest.mark.parametrize(
        "times",
        [
            ("9999-12-31T10:00:00Z", "9999-12-31T10:05:00Z"),
            ("1960-05-01T10:00:00Z", "1960-05-01T10:05:00Z"),
            # In range as written, out of range in UTC.
            ("1970-01-01T00:10:00+01:00", "1970-01-01T00:20:00+01:00"),
            # A device clock that jumped: one point is enough to refuse the file.
            ("2026-03-02T12:00:00Z", "2026-03-02T12:05:00Z", "2150-01-01T00:00:00Z"),
        ],
    )
    def test_a_file_with_a_time_outside_the_range_is_422_and_stores_nothing(
        self, client, token, runner, snapshot, times
    ):
        before = snapshot()
        response = client.post(
            f"/api/v1/users/{runner}/runs/import?filename=run.gpx",
            data=gpx_at(*times),
            content_type="application/octet-stream",
            headers=token(runner=runner),
        )
        assert response.status_code == 422, response.json
        assert response.json["errors"][0]["field"] == "body"
        assert RANGE in response.json["message"]
        assert snapshot() == before

    @pytest.mark.parametrize("filename", ["run%00.gpx", "%00%00%00.gpx", "a%00b.gpx"])
    def test_a_nul_in_the_file_name_is_400_and_stores_nothing(
        self, client, token, runner, snapshot, filename
    ):
        before = snapshot()
        response = client.post(
            f"/api/v1/users/{runner}/runs/import?filename={filename}",
            data=gpx_at("2026-03-02T12:00:00Z", "2026-03-02T12:05:00Z"),
            content_type="application/octet-stream",
            headers=token(runner=runner),
        )
        assert response.status_code == 400
        assert errors_of(response) == [
            {"field": "query.filename", "message": "must not contain NUL characters"}
        ]
        assert snapshot() == before


class TestMalformedRequests:
    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("post", "/api/v1/users/{runner}/runs"),
            ("post", "/api/v1/users/{runner}/runs/batch"),
            ("patch", "/api/v1/users/{runner}"),
            ("post", "/api/v1/users/{runner}/races"),
        ],
    )
    def test_json_nested_100000_deep_is_400_naming_the_depth(
        self, client, token, runner, snapshot, method, path
    ):
        before = snapshot()
        response = getattr(client, method)(
            path.format(runner=runner),
            data=DEEP,
            content_type="application/json",
            headers=token(runner=runner, scope="runs:read runs:write users:read users:write")
            if "batch" not in path
            else token(client="strava-worker", scope="runs:write"),
        )
        assert response.status_code == 400
        assert errors_of(response) == [
            {"field": "body", "message": "is nested deeper than 64 levels"}
        ]
        assert snapshot() == before

    @pytest.mark.parametrize(
        "path",
        [
            "/api/v1/users/99999999999999999999999",
            "/api/v1/users/{runner}/runs/9223372036854775808",
            "/api/v1/users/{runner}/races/99999999999999999999",
            "/api/v1/runs/{runner}/99999999999999999999/1",
            "/api/v1/runs/{runner}/2026/0",
        ],
    )
    def test_integers_beyond_any_column_are_400_not_a_database_error(
        self, client, token, runner, path
    ):
        response = client.get(path.format(runner=runner), headers=token(runner=runner))
        assert response.status_code == 400, response.json
        assert response.json["code"] == "invalid_request"

    def test_a_race_id_of_2_to_the_53_minus_1_is_404(self, client, token, runner):
        response = client.get(
            f"/api/v1/users/{runner}/races/9007199254740991", headers=token(runner=runner)
        )
        assert response.status_code == 404


class TestRunsStoredBeforeTheRange:
    """Runs stored before the range was enforced (the API refuses them now) must not break
    their runner's reads."""

    @pytest.fixture
    def legacy_runs(self, app, runner, run_body):
        from dataservice.runs import service as runs

        with app.extensions["runnerly.db"].transaction() as session:
            for year in (1, 9999):
                start = dt.datetime(year, 6, 1, 7, 0, tzinfo=dt.UTC)
                runs.create_manual_run(session, runner, {**run_body, "start_time": start})
        return runner

    @pytest.mark.parametrize(
        "path",
        [
            "stats/totals?period=year",
            "stats/totals?period=month",
            "stats/totals?period=week",
            "stats/records",
            "stats/summary",
            "runs",
        ],
    )
    def test_reads_still_answer(self, client, token, legacy_runs, path):
        response = client.get(
            f"/api/v1/users/{legacy_runs}/{path}", headers=token(runner=legacy_runs)
        )
        assert response.status_code == 200, response.json
