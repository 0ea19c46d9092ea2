"""Totals per week, month and year: GET /api/v1/users/{id}/stats/totals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

ZERO = {
    "count": 0,
    "distance": 0.0,
    "moving_time": 0,
    "elapsed_time": 0,
    "elevation_gain": 0.0,
    "average_pace": None,
    "average_speed": None,
}


def totals(client, token, runner, query=""):
    response = client.get(
        f"/api/v1/users/{runner}/stats/totals{query}", headers=token(runner=runner)
    )
    assert response.status_code == 200, response.json
    return response.json


class TestWeeklyTotals:
    def test_weeks_run_monday_to_sunday_and_weeks_of_rest_are_zeros(
        self, client, token, runner, add_runs, run
    ):
        add_runs(
            runner,
            run("2026-03-02T07:00:00Z", 5, 1500, elevation_gain=40),  # Monday
            run("2026-03-08T23:30:00Z", 10, 3300, elevation_gain=110.5),  # Sunday night
            run("2026-03-16T06:00:00Z", 8, 2560),  # the Monday after a week of rest
        )
        answer = totals(client, token, runner, "?from=2026-03-01&to=2026-03-20")
        assert (answer["period"], answer["from"], answer["to"]) == (
            "week",
            "2026-02-23",
            "2026-03-22",
        )
        assert answer["buckets"] == [
            {"start": "2026-02-23", **ZERO},
            {
                "start": "2026-03-02",
                "count": 2,
                "distance": 15000.0,
                "moving_time": 4800,
                "elapsed_time": 4920,
                "elevation_gain": 150.5,
                "average_pace": 320.0,  # 5:20 per km
                "average_speed": 3.125,
            },
            {"start": "2026-03-09", **ZERO},
            {
                "start": "2026-03-16",
                "count": 1,
                "distance": 8000.0,
                "moving_time": 2560,
                "elapsed_time": 2620,
                "elevation_gain": 0.0,
                "average_pace": 320.0,
                "average_speed": 3.125,
            },
        ]

    def test_weeks_are_utc_whatever_the_database_session_time_zone(
        self, app, client, token, runner, add_runs, run
    ):
        engine = app.extensions["runnerly.db"].engine
        if engine.dialect.name == "postgresql":  # Sunday 23:30 UTC is Monday in Kiribati
            event.listen(
                engine,
                "connect",
                lambda conn, _: conn.execute("SET TIME ZONE 'Pacific/Kiritimati'"),
            )
            engine.dispose()
        add_runs(runner, run("2026-03-08T23:30:00Z", 10, 3000))
        answer = totals(client, token, runner, "?from=2026-03-02&to=2026-03-09")
        assert [b["count"] for b in answer["buckets"]] == [1, 0]

    def test_without_a_range_it_shows_the_last_12_weeks_up_to_this_one(
        self, client, token, runner, add_runs, run
    ):
        now = datetime.now(UTC)
        add_runs(runner, run(now.isoformat(), 6, 1800))
        answer = totals(client, token, runner)
        monday = now.date() - timedelta(days=now.weekday())
        assert len(answer["buckets"]) == 12
        assert answer["buckets"][-1]["start"] == monday.isoformat()
        assert answer["buckets"][0]["start"] == (monday - timedelta(weeks=11)).isoformat()
        assert answer["buckets"][-1]["distance"] == 6000.0

    def test_a_runner_without_runs_gets_twelve_weeks_of_zeros(self, client, token, runner):
        answer = totals(client, token, runner)
        assert len(answer["buckets"]) == 12
        assert all(b == {"start": b["start"], **ZERO} for b in answer["buckets"])


class TestMonthlyAndYearlyTotals:
    def test_months_sum_distance_time_and_climb_with_average_pace(
        self, client, token, runner, add_runs, run
    ):
        add_runs(
            runner,
            run("2026-01-31T23:59:59Z", 10, 3000, elevation_gain=100),
            run("2026-03-01T00:00:00Z", 21.1, 7385, elevation_gain=250),
            run("2026-03-31T18:00:00Z", 5, 1350),
        )
        answer = totals(client, token, runner, "?period=month&from=2026-01-15&to=2026-03-15")
        january, february, march = answer["buckets"]
        assert (answer["from"], answer["to"]) == ("2026-01-01", "2026-03-31")
        assert january["start"] == "2026-01-01" and january["distance"] == 10000.0
        assert january["average_pace"] == 300.0  # 5:00 per km
        assert february == {"start": "2026-02-01", **ZERO}
        assert march["count"] == 2 and march["distance"] == 26100.0
        assert march["moving_time"] == 8735 and march["elapsed_time"] == 8855
        assert march["elevation_gain"] == 250.0
        assert march["average_pace"] == 334.7  # 8735 s over 26.1 km
        assert march["average_speed"] == 2.988

    def test_without_a_range_months_are_the_last_twelve(self, client, token, runner):
        answer = totals(client, token, runner, "?period=month")
        today = datetime.now(UTC).date()
        assert len(answer["buckets"]) == 12
        assert answer["buckets"][-1]["start"] == today.replace(day=1).isoformat()

    def test_years_go_back_to_the_first_run_with_empty_years_as_zeros(
        self, client, token, runner, add_runs, run
    ):
        add_runs(
            runner, run("2023-06-01T08:00:00Z", 42.195, 14400), run("2025-02-01T08:00:00Z", 5, 1500)
        )
        answer = totals(client, token, runner, "?period=year")
        this_year = datetime.now(UTC).year
        assert [b["start"] for b in answer["buckets"]] == [
            f"{year}-01-01" for year in range(2023, this_year + 1)
        ]
        assert [b["distance"] for b in answer["buckets"][:3]] == [42195.0, 0.0, 5000.0]

    def test_a_runner_without_runs_gets_this_year_as_zeros(self, client, token, runner):
        answer = totals(client, token, runner, "?period=year")
        assert answer["buckets"] == [{"start": f"{datetime.now(UTC).year}-01-01", **ZERO}]


class TestSportFilter:
    @pytest.fixture
    def week_of_sports(self, runner, add_runs, run):
        add_runs(
            runner,
            run("2026-03-02T07:00:00Z", 10, 3000, sport_type="Run"),
            run("2026-03-03T07:00:00Z", 12, 4200, sport_type="TrailRun"),
            run("2026-03-04T07:00:00Z", 40, 4800, sport_type="Ride"),
            run("2026-03-05T07:00:00Z", 4, 2400, sport_type="Walk"),
        )

    @pytest.mark.parametrize(
        ("query", "count", "distance", "sports"),
        [
            ("", 2, 22000.0, ["Run", "TrailRun", "VirtualRun"]),
            ("&sport=Ride", 1, 40000.0, ["Ride"]),
            ("&sport=Walk&sport=Run", 2, 14000.0, ["Run", "Walk"]),
        ],
    )
    def test_running_counts_unless_other_sports_are_named(
        self, client, token, runner, week_of_sports, query, count, distance, sports
    ):
        answer = totals(client, token, runner, f"?from=2026-03-02&to=2026-03-02{query}")
        assert answer["sport"] == sports
        assert (answer["buckets"][0]["count"], answer["buckets"][0]["distance"]) == (
            count,
            distance,
        )


class TestBadInput:
    @pytest.mark.parametrize(
        ("query", "field"),
        [
            ("?period=fortnight", "query.period"),
            ("?from=2026-03-01&to=2026-02-28", "query.to"),
            ("?from=2000-01-01&to=2026-01-01", "query.from"),  # 1,358 weeks
            ("?period=month&from=1970-01-01&to=2100-01-01", "query.from"),
            ("?period=year&from=1812-01-01", "query.from"),
            ("?to=2300-01-01", "query.to"),
            ("?from=yesterday", "query.from"),
            ("?sport=Run&sport=Run!", "query.sport"),
        ],
    )
    def test_it_is_400_naming_the_field(self, client, token, runner, query, field):
        response = client.get(
            f"/api/v1/users/{runner}/stats/totals{query}", headers=token(runner=runner)
        )
        assert response.status_code == 400
        assert response.json["code"] == "invalid_request"
        named = [e["field"].partition("[")[0] for e in response.json["errors"]]
        assert field in named  # an array's item may be named too: query.sport[1]

    def test_520_weeks_are_allowed_and_521_are_not(self, client, token, runner):
        answer = totals(client, token, runner, "?from=2016-01-04&to=2025-12-21")
        assert len(answer["buckets"]) == 520
        assert answer["buckets"][-1]["start"] == "2025-12-15"
        response = client.get(
            f"/api/v1/users/{runner}/stats/totals?from=2016-01-04&to=2025-12-22",
            headers=token(runner=runner),
        )
        assert response.status_code == 400
        assert response.json["errors"] == [
            {"field": "query.from", "message": "spans 521 weeks; at most 520 fit in one answer"}
        ]
