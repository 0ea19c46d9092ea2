"""Reading and changing runs: lists, the book's month query, one run."""

from __future__ import annotations

import pytest

RUN = {
    "start_time": "2026-03-01T07:30:00Z",
    "distance": 10000.0,
    "moving_time": 3000,
    "elapsed_time": 3100,
    "title": "Sunday long run",
}


def _create(client, token, runner, **fields):
    response = client.post(
        f"/api/v1/users/{runner}/runs", json={**RUN, **fields}, headers=token(runner=runner)
    )
    assert response.status_code == 201, response.json
    return response.json


class TestManualRuns:
    def test_a_runner_records_a_run_by_hand(self, client, token, runner):
        run = _create(client, token, runner)
        assert run["source"] == "manual"
        assert run["distance"] == 10000.0
        assert run["start_time"].startswith("2026-03-01T07:30:00")
        fetched = client.get(
            f"/api/v1/users/{runner}/runs/{run['id']}", headers=token(runner=runner)
        )
        assert fetched.json == run

    def test_a_run_is_renamed_and_deleted(self, client, token, runner):
        run = _create(client, token, runner)
        url = f"/api/v1/users/{runner}/runs/{run['id']}"
        changed = client.patch(url, json={"title": "Easy 10"}, headers=token(runner=runner))
        assert changed.json["title"] == "Easy 10"
        assert client.delete(url, headers=token(runner=runner)).status_code == 204
        assert client.get(url, headers=token(runner=runner)).status_code == 404

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"distance": -1}, "body.distance"),
            ({"distance": "ten"}, "body.distance"),
            ({"moving_time": 1.5}, "body.moving_time"),
            ({"start_time": "yesterday"}, "body.start_time"),
            ({"pace": 300}, "body.pace"),
            ({"moving_time": 4000, "elapsed_time": 3000}, "body.moving_time"),
        ],
    )
    def test_bad_input_is_400_naming_the_field_and_nothing_is_stored(
        self, client, token, runner, snapshot, fields, field
    ):
        before = snapshot()
        response = client.post(
            f"/api/v1/users/{runner}/runs", json={**RUN, **fields}, headers=token(runner=runner)
        )
        assert response.status_code == 400
        assert field in [e["field"] for e in response.json["errors"]]
        assert snapshot() == before

    def test_a_body_over_the_size_limit_is_413_and_nothing_is_stored(
        self, client, token, runner, snapshot
    ):
        before = snapshot()
        huge = {**RUN, "description": "x" * (10 * 1024 * 1024)}
        response = client.post(
            f"/api/v1/users/{runner}/runs", json=huge, headers=token(runner=runner)
        )
        assert response.status_code == 413
        assert response.json["code"] == "request_entity_too_large"
        assert snapshot() == before


class TestLists:
    def test_the_month_query_returns_the_months_runs_oldest_first(self, client, token, runner):
        for day in (3, 1, 28):
            _create(client, token, runner, start_time=f"2026-02-{day:02d}T06:00:00Z")
        _create(client, token, runner, start_time="2026-03-01T00:00:00Z")
        _create(client, token, runner, start_time="2026-01-31T23:59:59Z")
        month = client.get(f"/api/v1/runs/{runner}/2026/2", headers=token(runner=runner)).json
        assert [r["start_time"][:10] for r in month["items"]] == [
            "2026-02-01",
            "2026-02-03",
            "2026-02-28",
        ]
        assert month["count"] == 3
        assert month["distance"] == 30000.0

    def test_the_list_filters_by_date_and_sport_and_pages_with_a_total(self, client, token, runner):
        for day in range(1, 8):
            _create(
                client,
                token,
                runner,
                start_time=f"2026-04-{day:02d}T06:00:00Z",
                sport_type="Ride" if day == 4 else "Run",
            )
        url = f"/api/v1/users/{runner}/runs?from=2026-04-02T00:00:00Z&to=2026-04-07T00:00:00Z"
        page = client.get(url + "&sport=Run&per_page=2&page=2", headers=token(runner=runner)).json
        assert page["total"] == 4  # the 2nd, 3rd, 5th and 6th
        assert [r["start_time"][:10] for r in page["items"]] == ["2026-04-03", "2026-04-02"]

    def test_the_list_filters_by_source(self, client, token, runner, strava_run):
        _create(client, token, runner, start_time="2026-04-01T06:00:00Z")  # by hand
        client.post(
            f"/api/v1/users/{runner}/runs/batch",
            json={"runs": [strava_run("s1"), strava_run("s2", start_time="2026-04-02T06:00:00Z")]},
            headers=token(client="strava-worker", scope="runs:write"),
        )
        url = f"/api/v1/users/{runner}/runs"
        from_strava = client.get(url + "?source=strava", headers=token(runner=runner)).json
        assert from_strava["total"] == 2
        assert {r["external_id"] for r in from_strava["items"]} == {"s1", "s2"}
        by_hand = client.get(url + "?source=manual", headers=token(runner=runner)).json
        assert [r["source"] for r in by_hand["items"]] == ["manual"]

    @pytest.mark.parametrize(
        "query",
        [
            "page=0",
            "per_page=500",
            "from=never",
            "sport=Run;DROP",
            "to=2020-01-01T00:00:00Z",
            "source=garmin",
        ],
    )
    def test_bad_filters_are_400(self, client, token, runner, query):
        url = f"/api/v1/users/{runner}/runs?from=2021-01-01T00:00:00Z&{query}"
        if query.startswith("from"):
            url = f"/api/v1/users/{runner}/runs?{query}"
        response = client.get(url, headers=token(runner=runner))
        assert response.status_code == 400
        assert response.json["errors"][0]["field"].startswith("query.")

    def test_an_impossible_month_is_400(self, client, token, runner):
        response = client.get(f"/api/v1/runs/{runner}/2026/13", headers=token(runner=runner))
        assert response.status_code == 400
        assert response.json["errors"][0]["field"] == "path.month"
